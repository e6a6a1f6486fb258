/**
 * The mixed-precision sensitivity signal: how far an int8 head's raw output lies from the fp32
 * head's over EVERY anchor of an image (not only the few detections), and a bootstrap over
 * images that says how much of a difference between two variants is noise.
 *
 * - class scores: the Bernoulli KL divergence of the int8 sigmoid scores from fp32's, summed
 *   over classes, averaged over anchors (BCE against fp32's scores minus fp32's own entropy);
 * - boxes: 1 - IoU of the decoded boxes (the DFL output), averaged over anchors with fp32's best
 *   class score as weight (background anchors' boxes do not matter).
 */
import { bootstrapIndices } from '../random.js';
import type { RawHead } from './agreement.js';

export interface HeadError {
  /** mean over anchors of sum over classes of KL(fp32 || int8) of the sigmoid scores, in nats */
  cls: number;
  /** score-weighted mean of 1 - box IoU */
  box: number;
}

const EPS = 1e-6;

function boxIou(a: RawHead, b: RawHead, anchor: number): number {
  const [ax1, ay1, ax2, ay2] = a.xyxy(anchor);
  const [bx1, by1, bx2, by2] = b.xyxy(anchor);
  const iw = Math.max(0, Math.min(ax2, bx2) - Math.max(ax1, bx1));
  const ih = Math.max(0, Math.min(ay2, by2) - Math.max(ay1, by1));
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** Output error of `int8` against `fp32` on one image (same anchors, same layout). */
export function headError(fp32: RawHead, int8: RawHead): HeadError {
  let kl = 0;
  let boxSum = 0;
  let weight = 0;
  for (let a = 0; a < fp32.anchors; a++) {
    let best = 0;
    for (let c = 0; c < fp32.nc; c++) {
      const p = Math.min(1 - EPS, Math.max(EPS, fp32.value(4 + c, a)));
      const q = Math.min(1 - EPS, Math.max(EPS, int8.value(4 + c, a)));
      kl += p * Math.log(p / q) + (1 - p) * Math.log((1 - p) / (1 - q));
      if (p > best) best = p;
    }
    if (best > 0.01) {
      boxSum += best * (1 - boxIou(fp32, int8, a));
      weight += best;
    }
  }
  return { cls: kl / fp32.anchors, box: weight > 0 ? boxSum / weight : 0 };
}

/** How combinedErrors scales each image's error: by the all-int8 mean over images, or by that image's own all-int8 error. */
export type ErrorNormalisation = 'mean' | 'per-image';

/**
 * One number per image: class and box error each relative to the all-int8 model's (`reference`),
 * so they weigh the same whatever their units. 'mean': relative to the all-int8 mean over the
 * images (1 = as bad as all int8 on average; an image with 10x the error weighs 10x). 'per-image':
 * relative to the same image's all-int8 error (1 = as bad as all int8 on this image), so every
 * image weighs the same and a few hard images do not decide the ranking.
 */
export function combinedErrors(errors: HeadError[], reference: HeadError[], normalisation: ErrorNormalisation = 'mean'): number[] {
  if (normalisation === 'per-image') {
    return errors.map((e, i) => {
      const r = reference[i]!;
      // an image with no box error at all int8 (nothing scored above 0.01) is judged on its classes
      if (!(r.box > 0)) return r.cls > 0 ? e.cls / r.cls : 0;
      return 0.5 * ((r.cls > 0 ? e.cls / r.cls : 0) + e.box / r.box);
    });
  }
  const mean = (f: (e: HeadError) => number) => reference.reduce((s, e) => s + f(e), 0) / Math.max(1, reference.length);
  const cls = mean((e) => e.cls) || 1;
  const box = mean((e) => e.box) || 1;
  return errors.map((e) => 0.5 * (e.cls / cls + e.box / box));
}

export interface PairedDifference {
  /** mean over images of a[i] - b[i] */
  mean: number;
  /** bootstrap standard error of that mean (images resampled with replacement) */
  noise: number;
}

/**
 * Mean paired difference a - b over images and its bootstrap standard error. Pairing (the same
 * image in both) removes what the images have in common, so small real differences show.
 * @param resamples default 400; seed default 0 (reproducible)
 */
export function pairedBootstrap(a: number[], b: number[], resamples = 400, seed = 0): PairedDifference {
  const n = Math.min(a.length, b.length);
  if (n === 0) return { mean: 0, noise: Infinity };
  const d = Array.from({ length: n }, (_, i) => a[i]! - b[i]!);
  const mean = d.reduce((s, x) => s + x, 0) / n;
  let sum = 0;
  let sq = 0;
  for (const sample of bootstrapIndices(n, resamples, seed)) {
    let m = 0;
    for (const i of sample) m += d[i]!;
    m /= n;
    sum += m;
    sq += m * m;
  }
  const mu = sum / resamples;
  return { mean, noise: Math.sqrt(Math.max(0, sq / resamples - mu * mu)) };
}
