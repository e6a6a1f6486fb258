/**
 * pycocotools' compressed RLE strings: each count becomes 5-bit groups (low first) written as
 * characters offset by 48, bit 0x20 = "more groups follow", bit 0x10 of the last group = sign;
 * from the fourth count on, the count is stored as the difference to the count two before.
 */
import type { CocoRle } from '../types.js';
import { YoloeTrtError } from '../errors.js';
import type { CocoCompressedRle } from './types.js';

export function encodeRleCounts(counts: ArrayLike<number>): string {
  const chars: number[] = [];
  for (let i = 0; i < counts.length; i++) {
    let x = counts[i]! - (i > 2 ? counts[i - 2]! : 0);
    for (;;) {
      // work on Numbers, not 32-bit ints: counts of large images exceed 2^31 after deltas
      const group = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      const more = group & 0x10 ? x !== -1 : x !== 0;
      chars.push((more ? group | 0x20 : group) + 48);
      if (!more) break;
    }
  }
  return String.fromCharCode(...chars);
}

export function decodeRleCounts(text: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < text.length) {
    let x = 0;
    let k = 0;
    for (;;) {
      if (p >= text.length) throw new YoloeTrtError('ERR_DATASET', `Corrupt compressed RLE: the string ends inside a count (${JSON.stringify(text.slice(0, 40))})`);
      const c = text.charCodeAt(p++) - 48;
      if (c < 0 || c > 63) throw new YoloeTrtError('ERR_DATASET', `Corrupt compressed RLE: character ${JSON.stringify(text[p - 1])} out of range`);
      x += (c & 0x1f) * 2 ** (5 * k);
      k++;
      if (!(c & 0x20)) {
        if (c & 0x10) x -= 2 ** (5 * k);
        break;
      }
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    if (x < 0) throw new YoloeTrtError('ERR_DATASET', 'Corrupt compressed RLE: negative run length');
    counts.push(x);
  }
  return counts;
}

export function compressRle(rle: CocoRle): CocoCompressedRle {
  return { size: [rle.size[0], rle.size[1]], counts: encodeRleCounts(rle.counts) };
}

export function decompressRle(rle: CocoCompressedRle): CocoRle {
  return { size: [rle.size[0], rle.size[1]], counts: decodeRleCounts(rle.counts) };
}
