import { createHash } from 'node:crypto';
import { RegionMask } from '../lib/decode/masks.js';
import type { ImageResult, Tensor } from '../lib/types.js';

/** Results with each mask as its region and a digest of its pixels (a deep compare of megapixel arrays is slow). */
export function comparableResults(results: ImageResult[]) {
  return results.map((r) => ({
    ...r,
    detections: r.detections.map(({ mask, ...d }) => {
      if (!mask) return d;
      if (!(mask instanceof RegionMask)) throw new Error('expected a RegionMask');
      const { x0, y0, x1, y1, data } = mask.region;
      return { ...d, mask: { x0, y0, x1, y1, pixels: data.reduce((n, v) => n + v, 0), sha1: createHash('sha1').update(data).digest('hex') } };
    }),
  }));
}

/** Outputs of single-image runs stacked into one batch along dim 0 (float32). */
export function stackBatch(runs: Record<string, Tensor>[]): Record<string, Tensor> {
  const stacked: Record<string, Tensor> = {};
  for (const name of Object.keys(runs[0]!)) {
    const parts = runs.map((r) => r[name]!.data as Float32Array);
    const data = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((offset, p) => (data.set(p, offset), offset + p.length), 0);
    stacked[name] = { dtype: 'float32', dims: [runs.length, ...runs[0]![name]!.dims.slice(1)], data };
  }
  return stacked;
}
