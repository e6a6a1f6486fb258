/**
 * Calibrators: turn activation statistics into quantization ranges.
 * - minmax: the observed range.
 * - percentile: clip the given share of the mass (99.999 by default; 99.99 already clips
 *   activations that carry detections).
 * - entropy: TensorRT's KL-divergence search (GTC 2017, "8-bit Inference with TensorRT").
 */
import { YoloeTrtError } from '../errors.js';
import type { AbsHistogram, RangeHistogram } from './histogram.js';

export interface SymmetricRange {
  amax: number;
}

export interface AsymmetricRange {
  min: number;
  max: number;
}

function noData(): YoloeTrtError {
  return new YoloeTrtError('ERR_CALIBRATION', 'No activation values were collected for this tensor');
}

/** The observed range: `{ amax: max |x| }` (symmetric, default) or `{ min, max }`. */
export function minmaxRange(stats: { min: number; max: number; count: number }, mode?: 'symmetric'): SymmetricRange;
export function minmaxRange(stats: { min: number; max: number; count: number }, mode: 'asymmetric'): AsymmetricRange;
export function minmaxRange(stats: { min: number; max: number; count: number }, mode: 'symmetric' | 'asymmetric' = 'symmetric'): SymmetricRange | AsymmetricRange {
  if (stats.count === 0) throw noData();
  if (mode === 'asymmetric') return { min: stats.min, max: stats.max };
  return { amax: Math.max(Math.abs(stats.min), Math.abs(stats.max)) };
}

function checkPercentile(percentile: number): number {
  if (typeof percentile !== 'number' || !(percentile > 0 && percentile <= 100)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a number in (0, 100] for percentile but received ${String(percentile)}`, { option: 'percentile' });
  }
  return percentile;
}

/** Index of the first bin whose cumulative count reaches `fraction` of the total. */
function firstBinReaching(counts: Float64Array, total: number, fraction: number): number {
  const target = fraction * total;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    if (cumulative >= target) return i;
  }
  return counts.length - 1;
}

/**
 * Percentile range. Symmetric (AbsHistogram): amax is the UPPER edge of the first bin where
 * the cumulative share of |x| reaches `percentile`% (so at least that share lies inside), never
 * above the observed absmax. Asymmetric (RangeHistogram): each tail loses (100 - percentile)%:
 * min is the lower edge of the bin reaching (100 - p)%, max the upper edge of the bin reaching p%,
 * both clamped to the observed range. Error: at most one bin width.
 */
export function percentileRange(hist: AbsHistogram, percentile?: number): SymmetricRange;
export function percentileRange(hist: RangeHistogram, percentile?: number): AsymmetricRange;
export function percentileRange(hist: AbsHistogram | RangeHistogram, percentile = 99.999): SymmetricRange | AsymmetricRange {
  checkPercentile(percentile);
  if (hist.count === 0) throw noData();
  const fraction = percentile / 100;
  if ('range' in hist) {
    if (hist.range === 0) return { amax: 0 };
    const i = firstBinReaching(hist.counts, hist.count, fraction);
    return { amax: Math.min((i + 1) * hist.binWidth, hist.absmax) };
  }
  if (hist.width === 0) return { min: hist.min, max: hist.max };
  const lower = firstBinReaching(hist.counts, hist.count, 1 - fraction);
  const upper = firstBinReaching(hist.counts, hist.count, fraction);
  return {
    min: Math.max(hist.origin + lower * hist.width, hist.min),
    max: Math.min(hist.origin + (upper + 1) * hist.width, hist.max),
  };
}

export interface EntropyOptions {
  /** quantized levels on one side of zero; default 128 (int8) */
  levels?: number;
  /** smallest candidate number of bins; default = levels */
  startBin?: number;
  /** step between candidates; default 1 */
  stride?: number;
}

/** The epsilon MXNet / TVM use to smooth raw counts before KL. */
const SMOOTH_EPS = 1e-4;

/**
 * Smooths counts so that KL is finite: empty bins get eps, the non-empty ones give that mass
 * back evenly; a non-empty bin never drops to zero or below (then it keeps eps).
 * Returns false when every bin is empty.
 */
function smooth(counts: Float64Array, n: number): boolean {
  let zeros = 0;
  for (let k = 0; k < n; k++) if (counts[k] === 0) zeros++;
  const nonZeros = n - zeros;
  if (nonZeros === 0) return false;
  const take = (SMOOTH_EPS * zeros) / nonZeros;
  for (let k = 0; k < n; k++) {
    const c = counts[k]!;
    if (c === 0) counts[k] = SMOOTH_EPS;
    else counts[k] = c - take > 0 ? c - take : SMOOTH_EPS;
  }
  return true;
}

/** KL(P || Q) of two unnormalised positive count vectors over their first n entries. */
function klDivergence(p: Float64Array, q: Float64Array, n: number): number {
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < n; k++) {
    sp += p[k]!;
    sq += q[k]!;
  }
  let kl = 0;
  for (let k = 0; k < n; k++) {
    const pk = p[k]! / sp;
    if (pk > 0) kl += pk * Math.log(pk / (q[k]! / sq));
  }
  return kl;
}

/**
 * TensorRT's entropy calibration on a histogram of |x|. For every candidate i (bins kept,
 * from `startBin` = 128 to all 2048):
 *  1. P = bins[0..i-1] with the mass of bins[i..] (the outliers) added to P[i-1];
 *  2. Q = bins[0..i-1] merged into `levels` groups of floor(i / levels) bins (the last group
 *     takes the remainder), each group's count spread evenly over the bins where P is non-zero
 *     (zero bins of P stay zero in Q);
 *  3. both smoothed with eps = 1e-4 on raw counts (MXNet/TVM), normalised, KL(P || Q).
 * The i with the smallest divergence (first one on ties) wins and, following the GTC slides,
 * amax = (i + 0.5) * binWidth (the middle of the first clipped bin), capped at the observed absmax.
 */
export function entropyRange(hist: AbsHistogram, options: EntropyOptions = {}): SymmetricRange {
  const levels = options.levels ?? 128;
  const startBin = options.startBin ?? levels;
  const stride = options.stride ?? 1;
  for (const [name, value] of [['levels', levels], ['startBin', startBin], ['stride', stride]] as const) {
    if (!Number.isInteger(value) || value < 1) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a positive integer for ${name} but received ${String(value)}`, { option: name });
    }
  }
  if (hist.count === 0) throw noData();
  if (hist.range === 0) return { amax: 0 };
  const bins = hist.counts;
  const nbins = bins.length;
  if (startBin < levels || startBin > nbins) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected startBin in ${levels}..${nbins} but received ${startBin}`, { option: 'startBin' });
  }
  const outliersFrom = new Float64Array(nbins + 1); // outliersFrom[i] = sum of bins[i..]
  for (let i = nbins - 1; i >= 0; i--) outliersFrom[i] = outliersFrom[i + 1]! + bins[i]!;

  const p = new Float64Array(nbins);
  const q = new Float64Array(nbins);
  let best = Infinity;
  let bestBins = nbins;
  for (let i = startBin; i <= nbins; i += stride) {
    p.set(bins.subarray(0, i));
    p[i - 1]! += outliersFrom[i]!;
    const merged = Math.floor(i / levels);
    q.fill(0, 0, i);
    for (let j = 0; j < levels; j++) {
      const start = j * merged;
      const stop = j === levels - 1 ? i : start + merged;
      let sum = 0;
      let nonZero = 0;
      for (let k = start; k < stop; k++) {
        sum += bins[k]!;
        if (p[k] !== 0) nonZero++;
      }
      if (nonZero === 0) continue;
      const share = sum / nonZero;
      for (let k = start; k < stop; k++) if (p[k] !== 0) q[k] = share;
    }
    smooth(p, i);
    const divergence = smooth(q, i) ? klDivergence(p, q, i) : Infinity;
    if (divergence < best) {
      best = divergence;
      bestBins = i;
    }
  }
  return { amax: Math.min((bestBins + 0.5) * hist.binWidth, hist.absmax) };
}
