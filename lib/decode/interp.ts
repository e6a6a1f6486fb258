/**
 * PyTorch `F.interpolate(mode='bilinear', align_corners=False)` on the CPU, reproduced in float32:
 * per output index, the two source indices and their weights, computed exactly as ATen does
 * (scale = in/out, src = scale*(dst+0.5)-0.5 clamped at 0, i0 = min(floor(src), in-1),
 * i1 = i0 + (i0 < in-1), w1 = clamp(src - i0, 0, 1), w0 = 1 - w1), all rounded to float32.
 */
export interface LinearAxis {
  i0: Int32Array;
  i1: Int32Array;
  w0: Float32Array;
  w1: Float32Array;
}

const f32 = Math.fround;

export function linearAxis(inSize: number, outSize: number): LinearAxis {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const w0 = new Float32Array(outSize);
  const w1 = new Float32Array(outSize);
  const scale = f32(inSize / outSize);
  for (let d = 0; d < outSize; d++) {
    let src = f32(f32(scale * (d + 0.5)) - 0.5);
    if (src < 0) src = 0;
    const lo = Math.min(Math.floor(src), inSize - 1);
    const lambda = Math.min(Math.max(f32(src - lo), 0), 1);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    w1[d] = lambda;
    w0[d] = f32(1 - lambda);
  }
  return { i0, i1, w0, w1 };
}

/** The output indices whose two samples touch [lo, hi) of the input: a contiguous [start, end) since i0/i1 never decrease. */
export function outputSpan(axis: LinearAxis, lo: number, hi: number): [number, number] {
  const n = axis.i0.length;
  let start = 0;
  while (start < n && axis.i1[start] < lo) start++;
  let end = start;
  while (end < n && axis.i0[end] < hi) end++;
  return [start, end];
}
