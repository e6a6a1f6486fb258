/**
 * Accuracy-aware mixed precision: measures how much each quantized layer (a conv with its
 * SiLU) costs by the head's output error over all anchors of the signal images, then keeps the
 * most sensitive layers in float until the held-out accuracy drop fits the budget.
 *
 * The drop is measured as mAP50-95 points on the held-out images when they have labels (for a
 * segmentation model the larger of the box and the mask drop); without labels it is the
 * label-free estimate of held-out-estimate.ts (pseudo ground truth: fp32 on the mirrored
 * images), box and mask, with its bootstrap noise. That noise is about the size of the budget,
 * so without labels the search decides on the drop predicted from the head error (drop-fit.ts)
 * and aims at one noise to spare. The older agreement proxy (fp32's own detections as ground
 * truth, which overstates the drop several times) is kept as information.
 */
import { YoloeTrtError } from '../errors.js';
import { evaluateCoco, type CocoDetection, type GroundTruthDataset } from '../eval/index.js';
import type { Model } from '../model.js';
import type { HeadLayout, ImageResult, RgbImage, Tensor } from '../types.js';
import { RawHead } from './agreement.js';
import { combinedErrors, headError, pairedBootstrap, type ErrorNormalisation, type HeadError } from './head-error.js';
import { toCocoDetections, validationDetectOptions } from './evaluate-model.js';
import { DEFAULT_PSEUDO_CONF, mirroredDetections, mirrorEstimator, type HeldOutEstimate } from './held-out-estimate.js';
import type { Layer } from './graph.js';
import { dropSlope, fitsWithMargin, lowestErrorStep, pickWithinBudget, predictDrop, type DropPoint, type DropPrediction } from './drop-fit.js';
import { withModel } from './temp-model.js';

export interface HeldOutImage {
  image: RgbImage;
  /** the image's id in `labels`, when it has labels */
  id?: number;
}

export interface MixedPrecisionOptions {
  /** the float model */
  fp32: string;
  /** builds the int8 model with these layers kept in float */
  build: (floatLayers: string[]) => Uint8Array;
  /** the candidate layers */
  layers: Layer[];
  heldOut: HeldOutImage[];
  /** mAP50-95 points the int8 model may lose */
  maxDrop: number;
  /** ground truth of the held-out images (their `id`s) */
  labels?: GroundTruthDataset;
  /**
   * images for the output-error signal that ranks layers (every anchor of every one counts);
   * default: the held-out images. quantize() passes its calibration images, so that the
   * held-out mAP check judges on images the ranking never saw.
   */
  signalImages?: RgbImage[];
  /** without labels: fp32 detections on the mirrored images scoring above this are the pseudo ground truth; default 0.25 */
  pseudoConf?: number;
  /** how each image's head error is scaled before images are averaged (head-error.ts); default 'mean' */
  errorNormalisation?: ErrorNormalisation;
  /** at most this many layers kept in float; default 16 */
  maxFloatLayers?: number;
  /**
   * what keeping a layer float costs (e.g. its weight count: size and, roughly, time); once the
   * budget holds, the costliest float layers are re-quantized one by one while it still holds
   */
  layerCost?: (name: string) => number;
  onProgress?: (message: string) => void;
}

export interface LayerSensitivity {
  name: string;
  /**
   * head output error with every candidate quantized minus the error with this layer in float,
   * as a fraction of the all-int8 error (class KL and box error weighted equally)
   */
  gain: number;
  /** bootstrap standard error of `gain` over the signal images */
  noise: number;
  /**
   * gain > noise: only these are float candidates. Twice the noise left yolov8n-seg 320 tensorrt
   * two candidates worth having (gains 0.29, 0.16), then the head's box convs (0.018 ± 0.002)
   * ahead of backbone layers at 0.05-0.07 ± 0.04 that, kept float, took its labelled drop from
   * 1.18 to 0.27 on unseen images
   */
  significant: boolean;
  /** what keeping this layer float adds to the file (3 bytes per weight), when known */
  floatBytes?: number;
}

/** One nested prefix of the ranking, checked. */
export interface MixedPrecisionStep {
  floatLayers: number;
  /** held-out mAP drop in points (labelled, or the label-free estimate) */
  drop: number;
  /** the estimate's bootstrap noise (without labels) */
  dropNoise?: number;
  /** information only: the agreement proxy's drop (fp32's own detections as ground truth) */
  agreementDrop?: number;
  /** head output error as a fraction of the all-int8 error (1 = all int8) */
  error: number;
  /** bootstrap standard error of `error` */
  errorNoise: number;
  /** without labels: the drop predicted from `error` by the final fit of the estimates (drop-fit.ts) */
  predictedDrop?: number;
  predictedNoise?: number;
}

/** How a held-out drop was measured: labelled mAP, or the label-free mirror estimate. */
export type DropMeasure = 'map' | 'mirror-estimate';

export interface MixedPrecisionResult {
  /** 'map': labelled held-out images; 'mirror-estimate': the label-free estimate (held-out-estimate.ts) */
  measure: DropMeasure;
  /** images the drops were judged on (`heldOut`) */
  heldOutImages: number;
  /** drop in mAP points with every candidate quantized */
  fullDrop: number;
  /**
   * drop with the chosen layers in float: labelled, or without labels its estimate when every
   * layer is int8, and after a search the drop predicted from its head error (drop-fit.ts; the
   * raw estimate is in `estimate`)
   */
  finalDrop: number;
  /**
   * without labels, after a search: whether the predicted drop fits the budget with one noise to
   * spare (the search aims at that; false: only the prediction itself fits, or nothing does)
   */
  margin?: boolean;
  /** without labels, after a search: the fitted drop per unit of head error (points) */
  slope?: number;
  /** without labels: bootstrap noise of fullDrop and finalDrop */
  fullNoise?: number;
  finalNoise?: number;
  /** without labels: the final estimate's box (and mask) parts */
  estimate?: HeldOutEstimate;
  /** information only (not judged): the agreement proxy's drop, all int8 and final */
  agreementDrop?: { full: number; final: number };
  met: boolean;
  floatLayers: string[];
  sensitivities: LayerSensitivity[];
  /** the prefixes checked, in order */
  steps: MixedPrecisionStep[];
  /** images of the output-error signal */
  signalImages: number;
  /** the head error unit: 1 (the all-int8 error); its parts below */
  fullError: number;
  fullHeadError: HeadError;
}


function rawLayout(model: Model): Extract<HeadLayout, { kind: 'raw' }> {
  const layout = model.info.layout;
  if (layout.kind !== 'raw') throw new YoloeTrtError('ERR_MODEL_LAYOUT', 'Mixed precision needs a raw YOLO head ([B, 4 + nc + nm, N])');
  return layout;
}

async function rawOutputs(model: Model, images: RgbImage[]): Promise<RawHead[]> {
  const layout = rawLayout(model);
  const heads: RawHead[] = [];
  for (const image of images) {
    const { outputs } = await model.infer([image]);
    heads.push(new RawHead(outputs[layout.output] as Tensor, layout));
  }
  return heads;
}

/** Prefix sizes tried, in order (nested sets: the most sensitive k layers). */
const PREFIXES = [1, 2, 3, 4, 6, 8, 12, 16, 24, 32];

/**
 * Chooses the layers to keep in float so that the held-out drop stays within `maxDrop`.
 *
 * Ranking uses the output error of the head over every anchor of every signal image (class
 * score KL + box error, see head-error.ts): with one layer in float at a time, a layer's gain is
 * the paired mean error reduction, and a bootstrap over images gives its noise; layers whose gain
 * is under twice the noise are not candidates. Nested prefixes of the ranking are then checked
 * by mAP on the held-out images (which the signal never saw). With labels the first prefix whose
 * drop fits is taken. Without, every prefix's estimate joins a fit of drop on head error and the
 * first prefix whose predicted drop fits with one noise to spare is taken; when none does, the
 * prefix whose prediction fits (pickWithinBudget). Costly float layers are then re-quantized
 * while the same rule holds. Cost: one int8 build and signal pass per candidate layer, plus a
 * signal pass and an mAP pass per prefix tried, and a signal pass per pruning try.
 */
export async function chooseFloatLayers(options: MixedPrecisionOptions): Promise<MixedPrecisionResult> {
  const { heldOut, maxDrop } = options;
  if (heldOut.length === 0) throw new YoloeTrtError('ERR_CALIBRATION', 'Mixed precision needs held-out calibration images');
  const images = heldOut.map((h) => h.image);
  const signalImages = options.signalImages && options.signalImages.length > 0 ? options.signalImages : images;
  const labelled = options.labels !== undefined && heldOut.every((h) => h.id !== undefined);
  const log = options.onProgress ?? (() => {});

  // a segmentation model's budget holds for mask mAP too (the target is on masks)
  const val = await withModel(options.fp32, async (m) => validationDetectOptions(m.info.task === 'segment'));
  const reference = await withModel(options.fp32, async (m) => ({
    raw: await rawOutputs(m, signalImages),
    nc: rawLayout(m).nc,
    preds: await m.detectDecoded(images, val),
    dets: labelled ? [] : await m.detectDecoded(images, { conf: 0.25 }),
    mirrored: labelled ? [] : await mirroredDetections(m, images, options.pseudoConf ?? DEFAULT_PSEUDO_CONF, val.masks),
  }));
  const judge = labelled ? labelledJudge(options.labels!, heldOut, val.masks, reference.preds) : estimateJudge(reference, val.masks);

  const errorsOf = async (m: Model) => {
    const errors: HeadError[] = [];
    for (const [i, image] of signalImages.entries()) errors.push(headError(reference.raw[i]!, (await rawOutputs(m, [image]))[0]!));
    return errors;
  };
  const judgeModel = async (m: Model) => judge(await m.detectDecoded(images, val));
  const dropOf = (floatLayers: string[]) => withModel(options.build(floatLayers), async (m) => (await judgeModel(m)).drop);

  const full = await withModel(options.build([]), async (m) => ({ judged: await judgeModel(m), errors: await errorsOf(m) }));
  const norm = options.errorNormalisation ?? 'mean';
  const fullErrors = combinedErrors(full.errors, full.errors, norm);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const fullHeadError = { cls: mean(full.errors.map((e) => e.cls)), box: mean(full.errors.map((e) => e.box)) };
  const fullDrop = full.judged.drop;
  log(`all layers int8: ${describeDrop(full.judged)} on ${images.length} judged images; head error on ${signalImages.length} signal images: class KL ${fullHeadError.cls.toExponential(3)}, box ${fullHeadError.box.toFixed(4)}`);
  const base = {
    measure: labelled ? 'map' : 'mirror-estimate',
    heldOutImages: images.length,
    signalImages: signalImages.length,
    fullDrop,
    ...(full.judged.noise !== undefined ? { fullNoise: full.judged.noise } : {}),
    fullError: 1,
    fullHeadError,
  } as const;
  /**
   * the result with `final` (a judged prefix, or all int8) as the written model; `predicted`
   * (label-free, after a search) replaces its raw estimate as the drop
   */
  const finish = (final: Judged, met: boolean, floatLayers: string[], sensitivities: LayerSensitivity[], steps: MixedPrecisionStep[], predicted?: DropPrediction & { margin: boolean; slope: number }): MixedPrecisionResult => ({
    ...base,
    finalDrop: predicted ? predicted.drop : final.drop,
    ...(predicted ? { finalNoise: predicted.noise } : final.noise !== undefined ? { finalNoise: final.noise } : {}),
    ...(final.estimate ? { estimate: final.estimate } : {}),
    ...(final.agreementDrop !== undefined ? { agreementDrop: { full: full.judged.agreementDrop!, final: final.agreementDrop } } : {}),
    ...(predicted ? { margin: predicted.margin, slope: predicted.slope } : {}),
    met,
    floatLayers,
    sensitivities,
    steps,
  });
  if (fullDrop <= maxDrop) return finish(full.judged, true, [], [], []);

  const sensitivities: LayerSensitivity[] = [];
  for (const [k, layer] of options.layers.entries()) {
    const errors = await withModel(options.build([layer.name]), errorsOf);
    const { mean: gain, noise } = pairedBootstrap(fullErrors, combinedErrors(errors, full.errors, norm));
    sensitivities.push({ name: layer.name, gain, noise, significant: gain > noise });
    if ((k + 1) % 8 === 0) log(`sensitivity ${k + 1}/${options.layers.length}`);
  }
  sensitivities.sort((a, b) => b.gain - a.gain);
  const candidates = sensitivities.filter((s) => s.significant);
  log(`${candidates.length} of ${sensitivities.length} layers gain more than their noise; top: ${candidates.slice(0, 4).map((s) => `${s.name} ${s.gain.toFixed(3)}±${s.noise.toFixed(3)}`).join(', ')}`);
  const limit = Math.min(options.maxFloatLayers ?? 16, candidates.length);
  // label-free: every estimate checked joins the fit of drop on head error (drop-fit.ts)
  const fullNoise = full.judged.noise ?? 0;
  const points: DropPoint[] = labelled ? [] : [{ error: 1, drop: fullDrop, noise: fullNoise }];
  const predict = (error: number) => predictDrop(points, fullNoise, error);
  const errorOf = async (m: Model) => {
    const { mean: gain, noise } = pairedBootstrap(fullErrors, combinedErrors(await errorsOf(m), full.errors, norm));
    return { error: 1 - gain, noise };
  };
  const steps: MixedPrecisionStep[] = [];
  const judgedSteps: Judged[] = [];
  let chosen: { index: number; margin: boolean } | undefined;
  for (const k of PREFIXES.filter((k) => k <= limit)) {
    const floatLayers = candidates.slice(0, k).map((s) => s.name);
    const { step, judged } = await withModel(options.build(floatLayers), async (m) => {
      const e = await errorOf(m);
      const j = await judgeModel(m);
      const s: MixedPrecisionStep = {
        floatLayers: k,
        drop: j.drop,
        ...(j.noise !== undefined ? { dropNoise: j.noise } : {}),
        ...(j.agreementDrop !== undefined ? { agreementDrop: j.agreementDrop } : {}),
        error: e.error,
        errorNoise: e.noise,
      };
      return { step: s, judged: j };
    });
    steps.push(step);
    judgedSteps.push(judged);
    if (!labelled) points.push({ error: step.error, drop: step.drop, noise: step.dropNoise ?? 0 });
    const p = labelled ? undefined : predict(step.error);
    log(`${k} layer(s) in float: ${describeDrop(judged)}, head error ${step.error.toFixed(3)} ± ${step.errorNoise.toFixed(3)} of all-int8${p ? `; predicted drop ${p.drop.toFixed(2)} ± ${p.noise.toFixed(2)}` : ''}`);
    // labelled: the drop itself; label-free: the predicted drop with one noise to spare
    if (p ? fitsWithMargin(p, maxDrop) : step.drop <= maxDrop) {
      chosen = { index: steps.length - 1, margin: !labelled };
      break;
    }
  }
  if (!labelled) {
    // the final fit predicts every step (each was logged with the fit of its time)
    for (const s of steps) {
      const p = predict(s.error);
      s.predictedDrop = p.drop;
      s.predictedNoise = p.noise;
    }
    if (!chosen) {
      const index = pickWithinBudget(steps as Required<MixedPrecisionStep>[], maxDrop);
      if (index >= 0) chosen = { index, margin: false };
    }
  }
  if (chosen) {
    const floatLayers = candidates.slice(0, steps[chosen.index]!.floatLayers).map((s) => s.name);
    const judged = judgedSteps[chosen.index]!;
    if (labelled) {
      if (!options.layerCost) return finish(judged, true, floatLayers, sensitivities, steps);
      const pruned = await pruneCostlyFloatLayers(floatLayers, judged.drop, options.layerCost, (f) => dropOf(f), maxDrop, log);
      // the pruned set is judged once more so that the result's drop belongs to it
      const final = pruned.floatLayers.length === floatLayers.length ? judged : await withModel(options.build(pruned.floatLayers), judgeModel);
      return finish(final, true, pruned.floatLayers, sensitivities, steps);
    }
    // label-free pruning is judged on the prediction from each set's head error, by the same rule
    const errors = new Map<string, number>([[floatLayers.join('\n'), steps[chosen.index]!.error]]);
    const margin = chosen.margin;
    const bound = (error: number) => {
      const p = predict(error);
      return p.drop + (margin ? p.noise : 0);
    };
    let kept = floatLayers;
    if (options.layerCost) {
      const pruneBy = async (f: string[]) => {
        const e = (await withModel(options.build(f), errorOf)).error;
        errors.set(f.join('\n'), e);
        return bound(e);
      };
      kept = (await pruneCostlyFloatLayers(floatLayers, bound(steps[chosen.index]!.error), options.layerCost, pruneBy, maxDrop, log, 'predicted drop')).floatLayers;
    }
    const final = kept.length === floatLayers.length ? judged : await withModel(options.build(kept), judgeModel);
    const error = errors.get(kept.join('\n'))!;
    return finish(final, true, kept, sensitivities, steps, { ...predict(error), margin: chosen.margin, slope: dropSlope(points) });
  }
  // over budget: the best effort is the prefix with the lowest head error (the stable signal);
  // one with more float layers wins only when it is lower by more than its noise
  const best = lowestErrorStep(steps);
  if (best < 0 || steps[best]!.error >= 1 || (labelled && steps[best]!.drop >= fullDrop)) return finish(full.judged, false, [], sensitivities, steps);
  const effort = labelled ? undefined : { ...predict(steps[best]!.error), margin: false, slope: dropSlope(points) };
  return finish(judgedSteps[best]!, false, candidates.slice(0, steps[best]!.floatLayers).map((s) => s.name), sensitivities, steps, effort);
}

/** One model's held-out drop: labelled, or the label-free estimate with its noise and the agreement proxy beside it. */
interface Judged {
  drop: number;
  noise?: number;
  estimate?: HeldOutEstimate;
  agreementDrop?: number;
}

function describeDrop(j: Judged): string {
  if (j.noise === undefined) return `drop ${j.drop.toFixed(2)} points (labelled mAP)`;
  return `estimated drop ${j.drop.toFixed(2)} ± ${j.noise.toFixed(2)} points (mirror pseudo labels; agreement proxy ${j.agreementDrop!.toFixed(2)}, information only)`;
}

/** Labelled held-out images: the larger of the box and mask mAP50-95 drops, in points. */
function labelledJudge(labels: GroundTruthDataset, heldOut: HeldOutImage[], masks: boolean, fp32: ImageResult[]): (int8: ImageResult[]) => Judged {
  const ids = heldOut.map((h) => h.id!);
  const mapOf = (results: ImageResult[]): number[] => {
    const dets: CocoDetection[] = results.flatMap((r, i) => toCocoDetections(r, ids[i]!, labels.classToCategory, masks));
    const box = evaluateCoco(labels.gt, dets, 'bbox', { imageIds: ids }).stats[0]!;
    return masks ? [box, evaluateCoco(labels.gt, dets, 'segm', { imageIds: ids }).stats[0]!] : [box];
  };
  const fp32Map = mapOf(fp32);
  return (int8) => ({ drop: Math.max(...mapOf(int8).map((v, k) => 100 * (fp32Map[k]! - v))) });
}

/** No labels: the mirror estimate (box and mask), and the agreement proxy's box drop as information. */
function estimateJudge(reference: { preds: ImageResult[]; dets: ImageResult[]; mirrored: ImageResult[]; nc: number }, masks: boolean): (int8: ImageResult[]) => Judged {
  const estimator = mirrorEstimator(reference.preds, reference.mirrored, reference.nc, { masks });
  const agreement = mirrorEstimator(reference.preds, reference.dets, reference.nc, { resamples: 0 });
  return (int8) => {
    const estimate = estimator.estimate(int8);
    return { drop: estimate.drop, noise: estimate.noise, estimate, agreementDrop: agreement.estimate(int8).box.drop };
  };
}

/**
 * Ranking by single-layer gain ignores what a float layer costs, and the prefix that first
 * meets the budget often carries a large layer the others made unnecessary: try quantizing the
 * costliest ones again, keeping each removal the budget survives.
 */
export async function pruneCostlyFloatLayers(
  floatLayers: string[],
  drop: number,
  cost: (name: string) => number,
  dropOf: (floatLayers: string[]) => Promise<number>,
  maxDrop: number,
  log: (message: string) => void = () => {},
  /** what `dropOf` returns, for the log */
  measure = 'drop',
): Promise<{ floatLayers: string[]; drop: number }> {
  let kept = [...floatLayers];
  let keptDrop = drop;
  const byCost = [...floatLayers].sort((a, b) => cost(b) - cost(a));
  for (const layer of byCost) {
    if (kept.length <= 1) break;
    const candidate = kept.filter((l) => l !== layer);
    const d = await dropOf(candidate);
    const ok = d <= maxDrop;
    log(`without ${layer} (cost ${cost(layer)}): ${measure} ${d.toFixed(2)} points${ok ? ', re-quantized' : ', stays float'}`);
    if (ok) {
      kept = candidate;
      keptDrop = d;
    }
  }
  return { floatLayers: kept, drop: keptDrop };
}
