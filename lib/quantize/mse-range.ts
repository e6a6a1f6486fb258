/**
 * Range by quantization error: per tensor, the percentile clip (from a fixed ladder, 100 =
 * minmax) whose expected squared error on the calibration histogram is smallest. Inside the
 * range a value costs the rounding error step^2 / 12; outside it the clipping error
 * (x - bound)^2, with x at its bin's centre. One global percentile suits few tensors: a wide,
 * sparse tail wants minmax, a dense body with rare outliers wants a tighter clip.
 */
import type { AbsHistogram, RangeHistogram } from './histogram.js';
import { percentileRange, type AsymmetricRange, type SymmetricRange } from './calibrators.js';

/** Candidate percentiles, tightest first. */
export const MSE_PERCENTILES: readonly number[] = [99.9, 99.99, 99.995, 99.999, 99.9995, 99.9999, 100];

/** Expected squared error of quantizing the histogram's values with [lo, hi] and `levels` steps. */
function expectedError(counts: Float64Array, centre: (b: number) => number, lo: number, hi: number, levels: number): number {
  const step = (hi - lo) / levels;
  const rounding = (step * step) / 12;
  let sum = 0;
  let total = 0;
  for (let b = 0; b < counts.length; b++) {
    const c = counts[b]!;
    if (c === 0) continue;
    const x = centre(b);
    const e = x < lo ? (lo - x) ** 2 : x > hi ? (x - hi) ** 2 : rounding;
    sum += c * e;
    total += c;
  }
  return total > 0 ? sum / total : 0;
}

/** Symmetric int8: amax from |x| (127 steps each side). */
export function mseRange(hist: AbsHistogram): SymmetricRange;
/** Asymmetric uint8: [min, max] (255 steps; the range always includes 0, as asymmetricParams makes it). */
export function mseRange(hist: RangeHistogram): AsymmetricRange;
export function mseRange(hist: AbsHistogram | RangeHistogram): SymmetricRange | AsymmetricRange {
  let best: SymmetricRange | AsymmetricRange | undefined;
  let bestError = Infinity;
  for (const p of MSE_PERCENTILES) {
    let candidate: SymmetricRange | AsymmetricRange;
    let error: number;
    if ('range' in hist) {
      const r = percentileRange(hist, p);
      candidate = r;
      error = expectedError(hist.counts, (b) => (b + 0.5) * hist.binWidth, -r.amax, r.amax, 254);
    } else {
      const r = percentileRange(hist, p);
      candidate = r;
      error = expectedError(hist.counts, (b) => hist.origin + (b + 0.5) * hist.width, Math.min(0, r.min), Math.max(0, r.max), 255);
    }
    if (error < bestError) {
      bestError = error;
      best = candidate;
    }
  }
  return best!;
}
