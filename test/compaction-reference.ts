import type { CompactRequest, CompactedHead, Tensor } from '../lib/types.js';

/**
 * What the GPU decode kernel returns for a raw `[B, 4 + nc + nm, N]` head, written out here as a
 * plain loop from its contract (binding-tensorrt.d.ts NativeCompactRequest), not from
 * lib/decode/candidates.ts: per anchor, single-label the best class (the first on ties) when it
 * scores strictly above conf and passes `classes`; multiLabel every class above conf in
 * `classes`; boxes as Ultralytics' xywh2xyxy on float32 (x1 = cx - w / 2); no maxNms cap and no
 * non-finite filter; the head's coefficient rows copied whole. Undefined when an image has more
 * candidates than `capacity` (the kernel then sends the whole head back).
 */
export function referenceCompact(headTensor: Tensor, request: CompactRequest): CompactedHead | undefined {
  const [B, C, N] = headTensor.dims as [number, number, number];
  const head = headTensor.data as Float32Array;
  const { nc, nm, conf, multiLabel, classes, capacity } = request;
  if (C !== 4 + nc + nm) throw new Error(`reference compaction: ${C} channels, expected 4 + ${nc} + ${nm}`);
  const at = (b: number, ch: number, a: number): number => head[(b * C + ch) * N + a]!;
  const keep = (c: number): boolean => classes === undefined || classes.includes(c);
  const f = Math.fround;
  const boxes: number[] = [];
  const classIds: number[] = [];
  const indices: number[] = [];
  const counts: number[] = [];
  for (let b = 0; b < B; b++) {
    let count = 0;
    const push = (a: number, c: number, score: number): void => {
      const cx = at(b, 0, a);
      const cy = at(b, 1, a);
      const w = at(b, 2, a);
      const h = at(b, 3, a);
      boxes.push(f(cx - f(w / 2)), f(cy - f(h / 2)), f(cx + f(w / 2)), f(cy + f(h / 2)), score);
      classIds.push(c);
      indices.push(a);
      count++;
    };
    for (let a = 0; a < N; a++) {
      if (multiLabel) {
        for (let c = 0; c < nc; c++) if (at(b, 4 + c, a) > conf && keep(c)) push(a, c, at(b, 4 + c, a));
        continue;
      }
      let best = -Infinity;
      let bestClass = 0;
      for (let c = 0; c < nc; c++) {
        if (at(b, 4 + c, a) > best) {
          best = at(b, 4 + c, a);
          bestClass = c;
        }
      }
      if (best > conf && keep(bestClass)) push(a, bestClass, best);
    }
    if (count > capacity) return undefined;
    counts.push(count);
  }
  let coefficients: Float32Array | undefined;
  if (nm > 0) {
    coefficients = new Float32Array(B * nm * N);
    for (let b = 0; b < B; b++) coefficients.set(head.subarray((b * C + 4 + nc) * N, (b * C + 4 + nc + nm) * N), b * nm * N);
  }
  return {
    output: request.output,
    anchors: N,
    counts,
    boxes: Float32Array.from(boxes),
    classIds: Int32Array.from(classIds),
    indices: Int32Array.from(indices),
    ...(coefficients && { coefficients }),
  };
}
