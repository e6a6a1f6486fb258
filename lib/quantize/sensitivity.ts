/**
 * Accuracy-aware mixed precision: measures how much each quantized layer (a conv with its
 * SiLU) costs by the agreement of the final output on held-out images, then keeps the most
 * sensitive layers in float until the accuracy drop fits the budget.
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
import { RawHead, compareRaw, mergeRaw } from './agreement.js';
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
  /** held-out images used to rank layers (the budget check uses all); default 4 */
  rankImages?: number;
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
  /** output error with every candidate quantized minus the error with this layer in float */
  gain: number;
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
  /** output error (mean |score diff| + mean (1 - box IoU)) with every candidate quantized */
  fullError: number;
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

/**
 * Chooses the layers to keep in float so that the held-out drop stays within `maxDrop`.
 * Cost: one int8 build and held-out pass per candidate layer, plus a few mAP passes.
 */
export async function chooseFloatLayers(options: MixedPrecisionOptions): Promise<MixedPrecisionResult> {
  const { heldOut, maxDrop } = options;
  if (heldOut.length === 0) throw new YoloeTrtError('ERR_CALIBRATION', 'Mixed precision needs held-out calibration images');
  const images = heldOut.map((h) => h.image);
  const labelled = options.labels !== undefined && heldOut.every((h) => h.id !== undefined);
  const log = options.onProgress ?? (() => {});

  // with labels, a segmentation model's budget holds for mask mAP too (the target is on masks)
  const val = await withModel(options.fp32, async (m) => ({ ...VAL, masks: labelled && m.info.task === 'segment', dropEmptyMasks: false }));
  const reference = await withModel(options.fp32, async (m) => ({
    raw: await rawOutputs(m, images),
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

  // ranking needs less data than the budget check: at most `rankImages` images
  const rankCount = Math.min(images.length, options.rankImages ?? 4);
  const measure = async (floatLayers: string[]) =>
    withModel(options.build(floatLayers), async (m) => {
      const raw = await rawOutputs(m, images.slice(0, rankCount));
      const cmp = mergeRaw(raw.map((r, i) => compareRaw(reference.raw[i]!, r)));
      return { error: cmp.scoreError + cmp.boxError };
    });
  const dropOf = async (floatLayers: string[]) =>
    withModel(options.build(floatLayers), async (m) => {
      const maps = mapOf(await m.detectDecoded(images, val));
      return Math.max(...maps.map((v, k) => 100 * (fp32Map[k]! - v)));
    });

  const fullDrop = await dropOf([]);
  const fullError = (await measure([])).error;
  log(`all layers int8: drop ${fullDrop.toFixed(2)} points (${labelled ? 'mAP' : 'agreement mAP'} on ${images.length} held-out images)`);
  const base = { measure: labelled ? 'map' : 'agreement-map', heldOutImages: images.length, fullDrop, fullError } as const;
  if (fullDrop <= maxDrop) return { ...base, finalDrop: fullDrop, met: true, floatLayers: [], sensitivities: [] };

  const sensitivities: LayerSensitivity[] = [];
  for (const [k, layer] of options.layers.entries()) {
    const { error } = await measure([layer.name]);
    sensitivities.push({ name: layer.name, gain: fullError - error });
    if ((k + 1) % 8 === 0) log(`sensitivity ${k + 1}/${options.layers.length}`);
  }
  sensitivities.sort((a, b) => b.gain - a.gain);
  const limit = Math.min(options.maxFloatLayers ?? 16, sensitivities.length);
  let best = { floatLayers: [] as string[], drop: fullDrop };
  for (const k of [1, 2, 3, 4, 6, 8, 12, 16, 24, 32].filter((k) => k <= limit)) {
    const floatLayers = sensitivities.slice(0, k).map((s) => s.name);
    const drop = await dropOf(floatLayers);
    log(`${k} layer(s) in float: drop ${drop.toFixed(2)} points`);
    if (drop < best.drop) best = { floatLayers, drop };
    if (drop <= maxDrop) {
      const pruned = options.layerCost ? await pruneCostlyFloatLayers(floatLayers, drop, options.layerCost, (f) => dropOf(f), maxDrop, log) : { floatLayers, drop };
      return { ...base, finalDrop: pruned.drop, met: true, floatLayers: pruned.floatLayers, sensitivities };
    }
  }
  return { ...base, finalDrop: best.drop, met: false, floatLayers: best.floatLayers, sensitivities };
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
