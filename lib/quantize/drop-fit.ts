/**
 * The label-free search's stable figure: the held-out drop predicted from the head error.
 *
 * Each model the search checks gets a label-free mAP estimate (held-out-estimate.ts) whose noise
 * is about as large as the budget (±0.8 to ±1.2 points on 64 images), while its head error
 * (head-error.ts, every anchor of every image) moves by a few hundredths with a few-hundredths
 * noise. Stopping at the first estimate under the budget picks the most optimistic draw: on
 * coco128, yolov8n-seg 320 tensorrt read -0.38 ± 1.16 with two layers float (head error 0.711 ->
 * 0.636 of all-int8) and then measured 1.18 with labels on unseen images. So the drop is modelled
 * as proportional to the head error, drop = slope * error (error 1 = every layer int8, 0 = fp32),
 * the slope fitted through the origin on every estimate checked (inverse-variance weights), and
 * decisions are taken on that prediction.
 */

export interface DropPoint {
  /** head error as a fraction of the all-int8 error */
  error: number;
  /** the label-free estimate of this model's drop, in points */
  drop: number;
  /** its bootstrap noise */
  noise: number;
}

export interface DropPrediction {
  drop: number;
  /**
   * the all-int8 estimate's noise scaled by the error: every point shares the same images and
   * pseudo labels, so the fit is not surer than its largest point
   */
  noise: number;
}

/** Weighted least-squares slope through the origin of drop on error; never negative. */
export function dropSlope(points: readonly DropPoint[]): number {
  let num = 0;
  let den = 0;
  for (const p of points) {
    if (!Number.isFinite(p.drop) || !Number.isFinite(p.error)) continue;
    // a noiseless estimate (one image) is taken as exact rather than dropped
    const w = 1 / Math.max(p.noise * p.noise, 1e-6);
    num += w * p.drop * p.error;
    den += w * p.error * p.error;
  }
  return den > 0 ? Math.max(0, num / den) : 0;
}

/** The predicted drop of a model with head error `error`, from the points so far. */
export function predictDrop(points: readonly DropPoint[], fullNoise: number, error: number): DropPrediction {
  return { drop: dropSlope(points) * error, noise: fullNoise * error };
}

/** The search's aim: the predicted drop fits the budget with one noise to spare. */
export function fitsWithMargin(p: DropPrediction, maxDrop: number): boolean {
  return p.drop + p.noise <= maxDrop;
}

/** A checked prefix: its head error and that error's noise. */
export interface CheckedStep {
  error: number;
  errorNoise: number;
}

/** A checked prefix with the drop the final fit predicts for it. */
export interface PredictedStep extends CheckedStep {
  predictedDrop: number;
}

/**
 * The eligible prefix with the lowest head error (the stable signal), taking a later one (more
 * float layers) only when its error is lower by more than twice its noise; -1 when none is eligible.
 */
export function lowestErrorStep<S extends CheckedStep>(steps: readonly S[], eligible: (s: S) => boolean = () => true): number {
  let best = -1;
  steps.forEach((s, i) => {
    if (!eligible(s)) return;
    if (best < 0 || s.error < steps[best]!.error - 2 * s.errorNoise) best = i;
  });
  return best;
}

/** No prefix met the budget with a noise to spare: the prefix whose predicted drop fits (lowestErrorStep), -1 when none fits. */
export function pickWithinBudget(steps: readonly PredictedStep[], maxDrop: number): number {
  return lowestErrorStep(steps, (s) => s.predictedDrop <= maxDrop);
}
