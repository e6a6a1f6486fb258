import type { Candidate, DecodeOptions } from '../types.js';

/**
 * The detections of one image of an end-to-end head `[B, K, cols]` (YOLO26 / YOLOE-26, and
 * Ultralytics `nms=True` exports): rows of x1, y1, x2, y2, score, class, then `nm` mask coefficients,
 * in network-input pixels. No NMS. As Ultralytics' end-to-end branch does: keep rows with
 * score strictly above conf, take the first `maxDet` of them, then apply the `classes` filter.
 * Zero-padded rows score 0 and drop out with any conf >= 0.
 * `index` is the row, to fetch the coefficients.
 */
export function scanEnd2End(out: Float32Array, batchIndex: number, rows: number, cols: number, nm: number, opts: DecodeOptions): Candidate[] {
  if (cols < 6 + nm) throw new RangeError(`end-to-end rows need ${6 + nm} columns, got ${cols}`);
  const base = batchIndex * rows * cols;
  const allowed = opts.classes === undefined ? undefined : new Set(opts.classes);
  const kept: Candidate[] = [];
  for (let r = 0; r < rows && kept.length < opts.maxDet; r++) {
    const o = base + r * cols;
    const score = out[o + 4];
    if (!(score > opts.conf)) continue;
    kept.push({ x1: out[o], y1: out[o + 1], x2: out[o + 2], y2: out[o + 3], score, classId: Math.round(out[o + 5]), index: r });
  }
  return allowed === undefined ? kept : kept.filter((c) => allowed.has(c.classId));
}
