/**
 * Ultralytics matching.iou_distance and fuse_score, in float32 as numpy computes them there
 * (boxes are cast to float32 before bbox_ioa, eps 1e-7 added in float32): the costs that decide
 * ties in the assignment must round the same way.
 */
const f = Math.fround;
const EPS = f(1e-7);

export type Xyxy = ArrayLike<number>;

/** 1 - IoU for every pair, rows = a, cols = b, row-major float32. */
export function iouDistance(a: Xyxy[], b: Xyxy[]): Float32Array {
  const out = new Float32Array(a.length * b.length);
  const bb = b.map((x) => [f(x[0]!), f(x[1]!), f(x[2]!), f(x[3]!)] as const);
  for (let i = 0; i < a.length; i++) {
    const [ax1, ay1, ax2, ay2] = [f(a[i]![0]!), f(a[i]![1]!), f(a[i]![2]!), f(a[i]![3]!)];
    const areaA = f(f(ax2 - ax1) * f(ay2 - ay1));
    for (let j = 0; j < bb.length; j++) {
      const [bx1, by1, bx2, by2] = bb[j]!;
      const iw = Math.max(f(Math.min(ax2, bx2) - Math.max(ax1, bx1)), 0);
      const ih = Math.max(f(Math.min(ay2, by2) - Math.max(ay1, by1)), 0);
      const inter = f(iw * ih);
      const areaB = f(f(bx2 - bx1) * f(by2 - by1));
      const union = f(f(areaB + areaA) - inter);
      out[i * bb.length + j] = f(1 - f(inter / f(union + EPS)));
    }
  }
  return out;
}

/** fuse_score: cost' = 1 - (1 - cost) * score of the detection (column). */
export function fuseScore(cost: Float32Array, rows: number, scores: number[]): Float32Array {
  const cols = scores.length;
  const out = new Float32Array(cost.length);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) out[i * cols + j] = f(1 - f(f(1 - cost[i * cols + j]!) * f(scores[j]!)));
  }
  return out;
}
