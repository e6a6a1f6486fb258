import type { Candidate, DecodeOptions } from '../types.js';

const f32 = Math.fround;

/** Ultralytics' xywh2xyxy runs on a float32 tensor: w/2 is exact, the sums round to float32. */
function candidateFromXywh(cx: number, cy: number, w: number, h: number, score: number, classId: number, index: number): Candidate {
  const dw = f32(w / 2);
  const dh = f32(h / 2);
  return { x1: f32(cx - dw), y1: f32(cy - dh), x2: f32(cx + dw), y2: f32(cy + dh), score, classId, index };
}

/** A membership table for the `classes` filter, or undefined when every class is kept. */
function classFilter(classes: number[] | undefined, nc: number): Uint8Array | undefined {
  if (classes === undefined) return undefined;
  const allowed = new Uint8Array(nc);
  for (const c of classes) if (c < nc) allowed[c] = 1;
  return allowed;
}

/**
 * Keeps the `maxNms` best candidates by descending score (Ultralytics: argsort(descending)[:max_nms]),
 * only when there are more than that. The sort is stable, so ties keep anchor order.
 */
export function capCandidates(cands: Candidate[], maxNms: number): Candidate[] {
  if (cands.length <= maxNms) return cands;
  return [...cands].sort((a, b) => b.score - a.score).slice(0, maxNms);
}

/**
 * The candidates of one image of a raw head, in network-input pixels, in anchor order (multiLabel:
 * anchor then class, like torch.where), capped at `opts.maxNms`.
 *
 * - `[B, C, N]` (transposed false): class c of anchor a sits at `(4 + c) * N + a`. The best class
 *   per anchor is found class-major: one sequential pass over each class row, updating a per-anchor
 *   best score / best class kept in two typed arrays, so a 4,585-class head is one linear scan.
 * - `[B, N, C]` (transposed true): one contiguous row per anchor.
 *
 * Single label: the best class (first on ties) must score strictly above conf, and then pass the
 * `classes` filter (a best class outside it drops the anchor, as in Ultralytics). multiLabel: every
 * class strictly above conf and in `classes`.
 */
export function scanRawHead(
  out: Float32Array,
  batchIndex: number,
  channels: number,
  anchors: number,
  nc: number,
  opts: DecodeOptions,
  transposed: boolean,
): Candidate[] {
  const base = batchIndex * channels * anchors;
  const conf = opts.conf;
  const allowed = classFilter(opts.classes, nc);
  // element (channel k, anchor a) of this image
  const chStride = transposed ? 1 : anchors;
  const anStride = transposed ? channels : 1;
  const at = (k: number, a: number): number => out[base + k * chStride + a * anStride];

  // Only anchors whose best class beats conf matter, and for those the best over the scores above
  // conf is the best over all (first index on ties): so the best starts at conf and the hot loop is
  // one compare against a constant for the ~all scores below it.
  const bestScore = new Float64Array(anchors).fill(conf);
  const bestClass = new Int32Array(anchors);
  if (!transposed) {
    for (let c = 0; c < nc; c++) {
      const row = out.subarray(base + (4 + c) * anchors, base + (5 + c) * anchors);
      for (let a = 0; a < anchors; a++) {
        const v = row[a];
        if (v > conf && v > bestScore[a]) {
          bestScore[a] = v;
          bestClass[a] = c;
        }
      }
    }
  } else {
    for (let a = 0; a < anchors; a++) {
      const row = base + a * channels + 4;
      for (let c = 0; c < nc; c++) {
        const v = out[row + c];
        if (v > bestScore[a]) {
          bestScore[a] = v;
          bestClass[a] = c;
        }
      }
    }
  }

  const cands: Candidate[] = [];
  for (let a = 0; a < anchors; a++) {
    if (!(bestScore[a] > conf)) continue;
    const cx = at(0, a);
    const cy = at(1, a);
    const w = at(2, a);
    const h = at(3, a);
    if (!opts.multiLabel) {
      const c = bestClass[a];
      if (allowed && !allowed[c]) continue;
      cands.push(candidateFromXywh(cx, cy, w, h, bestScore[a], c, a));
      continue;
    }
    // only anchors whose best passes can hold a class above conf: a strided walk over few anchors
    for (let c = 0; c < nc; c++) {
      const v = at(4 + c, a);
      if (v > conf && (!allowed || allowed[c])) cands.push(candidateFromXywh(cx, cy, w, h, v, c, a));
    }
  }
  return capCandidates(cands, opts.maxNms);
}
