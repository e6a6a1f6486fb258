/**
 * pycocotools' compressed RLE strings (the codec itself lives in decode/rle.ts) for COCO
 * segmentation objects: `{ size, counts: string }` <-> `{ size, counts: number[] }`.
 */
import type { CocoRle } from '../types.js';
import { YoloeTrtError } from '../errors.js';
import { rleFromString, rleToString } from '../decode/rle.js';
import type { CocoCompressedRle } from './types.js';

export function encodeRleCounts(counts: number[]): string {
  return rleToString({ size: [0, 0], counts });
}

/** Parses a compressed counts string; a malformed one is a dataset error here. */
export function decodeRleCounts(text: string): number[] {
  let counts: number[];
  try {
    counts = rleFromString(text, [0, 0]).counts;
  } catch (error) {
    throw new YoloeTrtError('ERR_DATASET', `Corrupt compressed RLE ${JSON.stringify(text.slice(0, 40))}: ${(error as Error).message}`, undefined, { cause: error });
  }
  if (counts.some((c) => c < 0)) throw new YoloeTrtError('ERR_DATASET', 'Corrupt compressed RLE: negative run length');
  return counts;
}

export function compressRle(rle: CocoRle): CocoCompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: encodeRleCounts(rle.counts) };
}

export function decompressRle(rle: CocoCompressedRle): CocoRle {
  return { size: [rle.size[0], rle.size[1]], counts: decodeRleCounts(rle.counts) };
}
