/**
 * Streaming per-tensor activation statistics for calibration: min, max, absmax and a
 * fixed-size histogram, updated batch by batch with memory independent of the number of
 * batches.
 *
 * Range growth (the one approximation): the bin grid is set by the first batch (or by a
 * `range` given up front). When a later batch exceeds it, the range doubles and adjacent bin
 * pairs merge, as often as needed. Every new bin is then an exact union of old bins, so no
 * count is ever split or guessed; the price is resolution: after growth the data may fill only
 * the lower half of the bins (at least 1024 of 2048). For TensorRT's exact grid (2048 bins over
 * [0, absmax of the whole set]) run a first pass for absmax and pass it as `range`.
 */
import { YoloeTrtError } from '../errors.js';

export const DEFAULT_BINS = 2048;

export interface HistogramOptions {
  /** number of bins (even); default 2048 */
  bins?: number;
  /** initial upper edge of the |x| range; default: absmax of the first non-zero batch */
  range?: number;
}

function checkBins(bins: number): number {
  if (!Number.isInteger(bins) || bins < 2 || bins % 2 !== 0) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an even integer >= 2 for bins but received ${String(bins)}`, { option: 'bins' });
  }
  return bins;
}

/** Min and max of a batch in one pass; rejects NaN and infinities (an overflowed activation cannot be calibrated). */
function batchMinMax(values: ArrayLike<number>): { lo: number; hi: number } {
  let lo = Infinity;
  let hi = -Infinity;
  let nan = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    if (v !== v) nan++;
  }
  if (nan > 0 || lo === -Infinity || hi === Infinity) {
    throw new YoloeTrtError('ERR_CALIBRATION', `Activation batch contains ${nan > 0 ? `${nan} NaN value(s)` : 'infinite values'}; it cannot be calibrated`);
  }
  return { lo, hi };
}

/** Histogram of |x| over [0, range) in `bins` equal bins (TensorRT style), plus min/max/absmax. */
export class AbsHistogram {
  readonly bins: number;
  readonly counts: Float64Array;
  /** upper edge of the last bin; 0 until a non-zero value was seen */
  range = 0;
  min = Infinity;
  max = -Infinity;
  /** values seen */
  count = 0;
  private zerosBeforeRange = 0;

  constructor(options: HistogramOptions = {}) {
    this.bins = checkBins(options.bins ?? DEFAULT_BINS);
    this.counts = new Float64Array(this.bins);
    if (options.range !== undefined) {
      if (!(options.range > 0 && Number.isFinite(options.range))) {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a positive finite number for range but received ${String(options.range)}`, { option: 'range' });
      }
      this.range = options.range;
    }
  }

  get absmax(): number {
    return this.count === 0 ? 0 : Math.max(Math.abs(this.min), Math.abs(this.max));
  }

  get binWidth(): number {
    return this.range / this.bins;
  }

  add(values: Float32Array | ArrayLike<number>): void {
    if (values.length === 0) return;
    const { lo, hi } = batchMinMax(values);
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    this.count += values.length;
    const batchAbsmax = Math.max(Math.abs(lo), Math.abs(hi));
    if (this.range === 0) {
      if (batchAbsmax === 0) {
        this.zerosBeforeRange += values.length;
        return;
      }
      this.range = batchAbsmax;
    }
    while (batchAbsmax > this.range) this.doubleRange();
    if (this.zerosBeforeRange > 0) {
      this.counts[0]! += this.zerosBeforeRange;
      this.zerosBeforeRange = 0;
    }
    const counts = this.counts;
    const last = this.bins - 1;
    const scale = this.bins / this.range;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      let b = ((v < 0 ? -v : v) * scale) | 0;
      if (b > last) b = last;
      counts[b]!++;
    }
  }

  private doubleRange(): void {
    const c = this.counts;
    const half = this.bins / 2;
    for (let i = 0; i < half; i++) c[i] = c[2 * i]! + c[2 * i + 1]!;
    c.fill(0, half);
    this.range *= 2;
  }
}

/** Histogram of signed x over [origin, origin + bins * width), for asymmetric (uint8) ranges. */
export class RangeHistogram {
  readonly bins: number;
  readonly counts: Float64Array;
  /** lower edge of bin 0 */
  origin = 0;
  /** bin width; 0 until two distinct values were seen */
  width = 0;
  min = Infinity;
  max = -Infinity;
  count = 0;
  private constantCount = 0; // values seen while every value so far was equal (to min)

  constructor(options: Omit<HistogramOptions, 'range'> = {}) {
    this.bins = checkBins(options.bins ?? DEFAULT_BINS);
    this.counts = new Float64Array(this.bins);
  }

  get end(): number {
    return this.origin + this.bins * this.width;
  }

  add(values: Float32Array | ArrayLike<number>): void {
    if (values.length === 0) return;
    const { lo, hi } = batchMinMax(values);
    const constantValue = this.min;
    this.min = Math.min(this.min, lo);
    this.max = Math.max(this.max, hi);
    this.count += values.length;
    if (this.width === 0) {
      if (this.max === this.min) {
        this.constantCount += values.length;
        return;
      }
      this.origin = this.min;
      this.width = (this.max - this.min) / this.bins;
      if (this.constantCount > 0) {
        this.counts[this.binOf(constantValue)]! += this.constantCount;
        this.constantCount = 0;
      }
    }
    while (lo < this.origin || hi > this.end) this.doubleRange(lo < this.origin);
    const counts = this.counts;
    const last = this.bins - 1;
    const origin = this.origin;
    const scale = 1 / this.width;
    for (let i = 0; i < values.length; i++) {
      let b = Math.floor((values[i]! - origin) * scale);
      if (b > last) b = last;
      else if (b < 0) b = 0;
      counts[b]!++;
    }
  }

  private binOf(v: number): number {
    return Math.min(this.bins - 1, Math.max(0, Math.floor((v - this.origin) / this.width)));
  }

  /** Doubles the bin width; the old range becomes the upper half when growing downwards, else the lower half. */
  private doubleRange(downwards: boolean): void {
    const c = this.counts;
    const half = this.bins / 2;
    const merged = new Float64Array(half);
    for (let i = 0; i < half; i++) merged[i] = c[2 * i]! + c[2 * i + 1]!;
    c.fill(0);
    c.set(merged, downwards ? half : 0);
    if (downwards) this.origin -= this.bins * this.width;
    this.width *= 2;
  }
}
