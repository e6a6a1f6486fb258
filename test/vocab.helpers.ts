import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { maskToRle, rleToString } from '../lib/decode/rle.js';
import { readNpy as readNpyFile } from '../lib/text/npy.js';
import type { ImageResult } from '../lib/types.js';
import { fixture } from './fixtures.js';

/** Test helpers of the run-time-vocabulary tests (vocab.*.test.ts). */

export const YOLOE = {
  fused: () => fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_320.onnx'),
  runtime: () => fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_runtime-vocab_320.onnx'),
  randomRuntime: () => fixture('yoloe', 'yoloe-v8n-seg_random-text_runtime-vocab_320.onnx'),
  promptFree: () => fixture('yoloe', 'yoloe-v8n-seg-pf_from-yolov8n-seg_320.onnx'),
  promptFreeRandom: () => fixture('yoloe', 'yoloe-v8n-seg-pf_random_320.onnx'),
  textEncoder: () => fixture('yoloe', 'text-encoder_mobileclip-b-2layer_random.onnx'),
  adapter: () => fixture('yoloe', 'yoloe-v8n-seg_random-text_text-adapter.onnx'),
  reference: (...parts: string[]) => fixture('yoloe', 'text-reference', ...parts),
};

/** The one-hot embeddings e_k (k in `ids`) the transplanted fixture takes: class k = COCO id k. */
export function oneHot(ids: number[], dim = 512): Float32Array {
  const out = new Float32Array(ids.length * dim);
  ids.forEach((k, row) => (out[row * dim + k] = 1));
  return out;
}

export function readNpy(path: string): { shape: number[]; data: Float32Array } {
  const array = readNpyFile(path);
  if (array.dtype !== 'float32') throw new Error(`${path} is ${array.dtype}, expected float32`);
  return array;
}

/** Every detection as plain data, masks as compressed RLE strings: what "exactly equal" compares. */
export function plain(result: ImageResult) {
  return result.detections.map((d) => ({
    box: d.box,
    score: d.score,
    classId: d.classId,
    label: d.label,
    ...(d.mask ? { mask: rleToString(maskToRle(d.mask)) } : {}),
  }));
}

/** Images committed to the repository (assets/) and the fixtures' own images. */
export function committedImages(): string[] {
  const assets = join(import.meta.dirname, '..', 'assets');
  const fromAssets = readdirSync(assets).filter((f) => /\.(jpe?g|png)$/i.test(f)).map((f) => join(assets, f));
  const skimage = fixture('images', 'skimage');
  return [fixture('images', 'bus.jpg'), fixture('images', 'zidane.jpg'), ...fromAssets, ...readdirSync(skimage).map((f) => join(skimage, f))];
}

export function coco128Images(): string[] {
  const dir = fixture('coco128', 'images', 'train2017');
  return readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(dir, f));
}
