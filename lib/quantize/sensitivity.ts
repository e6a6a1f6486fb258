/**
 * Accuracy-aware mixed precision: measures how much each quantized layer (a conv with its
 * SiLU) costs by the head's output error over all anchors of the signal images, then keeps the
 * most sensitive layers in float until the held-out accuracy drop fits the budget.
 *
 * The drop is measured as mAP50-95 points on the held-out images when they have labels (for a
 * segmentation model the larger of the box and the mask drop);
 * without labels it is a stricter proxy: the mAP50-95 of the predictions against the fp32
 * detections (conf 0.25) taken as ground truth, fp32 minus int8.
 */
import { YoloeTrtError } from '../errors.js';
import { evaluateCoco, type CocoAnnotation, type CocoDetection, type CocoGroundTruth, type GroundTruthDataset } from '../eval/index.js';
import type { Model } from '../model.js';
import type { HeadLayout, ImageResult, RgbImage, Tensor } from '../types.js';
import { RawHead } from './agreement.js';
import { combinedErrors, headError, pairedBootstrap, type HeadError } from './head-error.js';
import { toCocoDetections } from './evaluate-model.js';
import type { Layer } from './graph.js';
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
  /** gain > 2 * noise: only these are float candidates */
  significant: boolean;
  /** what keeping this layer float adds to the file (3 bytes per weight), when known */
  floatBytes?: number;
}

/** One nested prefix of the ranking, checked. */
export interface MixedPrecisionStep {
  floatLayers: number;
  /** held-out mAP drop in points */
  drop: number;
  /** head output error as a fraction of the all-int8 error (1 = all int8) */
  error: number;
  /** bootstrap standard error of `error` */
  errorNoise: number;
}

export interface MixedPrecisionResult {
  /** 'map': labelled held-out images; 'agreement-map': the fp32-as-ground-truth proxy */
  measure: 'map' | 'agreement-map';
  heldOutImages: number;
  /** drop in mAP points with every candidate quantized */
  fullDrop: number;
  /** drop with the chosen layers in float */
  finalDrop: number;
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

const VAL = { conf: 0.001, iou: 0.7, maxDet: 300, multiLabel: true, masks: false };

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

/** fp32 detections at conf 0.25 as COCO ground truth (class index + 1 as category). */
function pseudoGroundTruth(results: ImageResult[], nc: number): CocoGroundTruth {
  const annotations: CocoAnnotation[] = [];
  results.forEach((r, i) => {
    for (const d of r.detections) {
      const [x1, y1, x2, y2] = d.box;
      annotations.push({ id: annotations.length + 1, image_id: i + 1, category_id: d.classId + 1, bbox: [x1, y1, x2 - x1, y2 - y1], area: (x2 - x1) * (y2 - y1), iscrowd: 0 });
    }
  });
  return {
    images: results.map((r, i) => ({ id: i + 1, width: r.width, height: r.height })),
    annotations,
    categories: Array.from({ length: nc }, (_, c) => ({ id: c + 1, name: String(c) })),
  };
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
 * by mAP on the held-out images (which the signal never saw). Cost: one int8 build and signal
 * pass per candidate layer, plus a signal pass and an mAP pass per prefix tried.
 */
export async function chooseFloatLayers(options: MixedPrecisionOptions): Promise<MixedPrecisionResult> {
  const { heldOut, maxDrop } = options;
  if (heldOut.length === 0) throw new YoloeTrtError('ERR_CALIBRATION', 'Mixed precision needs held-out calibration images');
  const images = heldOut.map((h) => h.image);
  const signalImages = options.signalImages && options.signalImages.length > 0 ? options.signalImages : images;
  const labelled = options.labels !== undefined && heldOut.every((h) => h.id !== undefined);
  const log = options.onProgress ?? (() => {});

  // with labels, a segmentation model's budget holds for mask mAP too (the target is on masks)
  const val = await withModel(options.fp32, async (m) => ({ ...VAL, masks: labelled && m.info.task === 'segment', dropEmptyMasks: false }));
  const reference = await withModel(options.fp32, async (m) => ({
    raw: await rawOutputs(m, signalImages),
    nc: rawLayout(m).nc,
    preds: await m.detectDecoded(images, val),
    dets: await m.detectDecoded(images, { conf: 0.25 }),
  }));
  const classToCategory = labelled ? options.labels!.classToCategory : Array.from({ length: reference.nc }, (_, c) => c + 1);
  const gt = labelled ? options.labels!.gt : pseudoGroundTruth(reference.dets, reference.nc);
  const ids = labelled ? heldOut.map((h) => h.id!) : heldOut.map((_, i) => i + 1);
  const mapOf = (results: ImageResult[]): number[] => {
    const dets: CocoDetection[] = results.flatMap((r, i) => toCocoDetections(r, ids[i]!, classToCategory, val.masks));
    const box = evaluateCoco(gt, dets, 'bbox', { imageIds: ids }).stats[0]!;
    return val.masks ? [box, evaluateCoco(gt, dets, 'segm', { imageIds: ids }).stats[0]!] : [box];
  };
  const fp32Map = mapOf(reference.preds);

  const errorsOf = async (m: Model) => {
    const errors: HeadError[] = [];
    for (const [i, image] of signalImages.entries()) errors.push(headError(reference.raw[i]!, (await rawOutputs(m, [image]))[0]!));
    return errors;
  };
  const dropOfModel = async (m: Model) => {
    const maps = mapOf(await m.detectDecoded(images, val));
    return Math.max(...maps.map((v, k) => 100 * (fp32Map[k]! - v)));
  };
  const dropOf = (floatLayers: string[]) => withModel(options.build(floatLayers), dropOfModel);

  const full = await withModel(options.build([]), async (m) => ({ drop: await dropOfModel(m), errors: await errorsOf(m) }));
  const fullErrors = combinedErrors(full.errors, full.errors);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const fullHeadError = { cls: mean(full.errors.map((e) => e.cls)), box: mean(full.errors.map((e) => e.box)) };
  const fullDrop = full.drop;
  log(`all layers int8: drop ${fullDrop.toFixed(2)} points (${labelled ? 'mAP' : 'agreement mAP'} on ${images.length} held-out images); head error on ${signalImages.length} signal images: class KL ${fullHeadError.cls.toExponential(3)}, box ${fullHeadError.box.toFixed(4)}`);
  const base = {
    measure: labelled ? 'map' : 'agreement-map',
    heldOutImages: images.length,
    signalImages: signalImages.length,
    fullDrop,
    fullError: 1,
    fullHeadError,
  } as const;
  if (fullDrop <= maxDrop) return { ...base, finalDrop: fullDrop, met: true, floatLayers: [], sensitivities: [], steps: [] };

  const sensitivities: LayerSensitivity[] = [];
  for (const [k, layer] of options.layers.entries()) {
    const errors = await withModel(options.build([layer.name]), errorsOf);
    const { mean: gain, noise } = pairedBootstrap(fullErrors, combinedErrors(errors, full.errors));
    sensitivities.push({ name: layer.name, gain, noise, significant: gain > 2 * noise });
    if ((k + 1) % 8 === 0) log(`sensitivity ${k + 1}/${options.layers.length}`);
  }
  sensitivities.sort((a, b) => b.gain - a.gain);
  const candidates = sensitivities.filter((s) => s.significant);
  log(`${candidates.length} of ${sensitivities.length} layers gain more than twice their noise; top: ${candidates.slice(0, 4).map((s) => `${s.name} ${s.gain.toFixed(3)}±${s.noise.toFixed(3)}`).join(', ')}`);
  const limit = Math.min(options.maxFloatLayers ?? 16, candidates.length);
  const steps: MixedPrecisionStep[] = [];
  for (const k of PREFIXES.filter((k) => k <= limit)) {
    const floatLayers = candidates.slice(0, k).map((s) => s.name);
    const step = await withModel(options.build(floatLayers), async (m) => {
      const { mean: gain, noise } = pairedBootstrap(fullErrors, combinedErrors(await errorsOf(m), full.errors));
      return { floatLayers: k, drop: await dropOfModel(m), error: 1 - gain, errorNoise: noise };
    });
    steps.push(step);
    log(`${k} layer(s) in float: drop ${step.drop.toFixed(2)} points, head error ${step.error.toFixed(3)} ± ${step.errorNoise.toFixed(3)} of all-int8`);
    if (step.drop <= maxDrop) {
      const pruned = options.layerCost ? await pruneCostlyFloatLayers(floatLayers, step.drop, options.layerCost, (f) => dropOf(f), maxDrop, log) : { floatLayers, drop: step.drop };
      return { ...base, finalDrop: pruned.drop, met: true, floatLayers: pruned.floatLayers, sensitivities, steps };
    }
  }
  // over budget: the best effort is the prefix with the lowest head error (the stable signal);
  // one with more float layers wins only when it is lower by more than its noise
  let best: MixedPrecisionStep | undefined;
  for (const s of steps) if (!best || s.error < best.error - 2 * s.errorNoise) best = s;
  if (!best || best.drop >= fullDrop) return { ...base, finalDrop: fullDrop, met: false, floatLayers: [], sensitivities, steps };
  return { ...base, finalDrop: best.drop, met: false, floatLayers: candidates.slice(0, best.floatLayers).map((s) => s.name), sensitivities, steps };
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
): Promise<{ floatLayers: string[]; drop: number }> {
  let kept = [...floatLayers];
  let keptDrop = drop;
  const byCost = [...floatLayers].sort((a, b) => cost(b) - cost(a));
  for (const layer of byCost) {
    if (kept.length <= 1) break;
    const candidate = kept.filter((l) => l !== layer);
    const d = await dropOf(candidate);
    const ok = d <= maxDrop;
    log(`without ${layer} (cost ${cost(layer)}): drop ${d.toFixed(2)} points${ok ? ', re-quantized' : ', stays float'}`);
    if (ok) {
      kept = candidate;
      keptDrop = d;
    }
  }
  return { floatLayers: kept, drop: keptDrop };
}
