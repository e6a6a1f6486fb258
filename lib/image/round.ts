/**
 * Python 3's built-in `round(x)` for one double: the nearest integer, ties to the even one
 * (`round(0.5) = 0`, `round(1.5) = 2`, `round(2.5) = 2`, `round(512.5) = 512`).
 *
 * Ultralytics computes every letterbox size and pad with it, so `Math.round` (ties up) would
 * be off by one pixel on exact halves. Like Python, it rounds the exact double it is given:
 * `2.675` is stored as 2.67499999..., so it is not a tie.
 * Also used for OpenCV's `cvRound` (SSE rounding: ties to even as well).
 */
export function pythonRound(x: number): number {
  if (!Number.isFinite(x)) return x;
  const floor = Math.floor(x);
  // exact: x and floor(x) share the exponent range, so the difference needs no rounding
  const frac = x - floor;
  if (frac < 0.5) return floor;
  if (frac > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}
