/**
 * COCO evaluation of a model on a dataset, as Ultralytics' val predicts: conf 0.001, IoU 0.7,
 * max_det 300, multi-label NMS; box AP and, for segmentation models, mask AP (pycocotools'
 * numbers from lib/eval).
 */
import { YoloeTrtError } from '../errors.js';
import { evaluateCoco, loadGroundTruth, rleFromMask, type CocoDetection, type GroundTruthDataset } from '../eval/index.js';
import { decodeImage } from '../image/decode.js';
import type { Model } from '../model.js';
import type { ImageResult } from '../types.js';
import { checkKnownKeys } from '../validate.js';

export interface ApSummary {
  /** mAP@[.50:.95] */
  map: number;
  map50: number;
  map75: number;
  mapSmall: number;
  mapMedium: number;
  mapLarge: number;
  ar1: number;
  ar10: number;
  ar100: number;
  arSmall: number;
  arMedium: number;
  arLarge: number;
  /** pycocotools' 12 numbers in order */
  stats: number[];
  /** pycocotools' printed table */
  table: string;
  /** mean precision-recall curve at IoU 0.50 over the categories (its mean is map50) */
  prCurve?: { recall: number[]; precision: number[] };
}

export interface EvaluationResult {
  box: ApSummary;
  mask?: ApSummary;
  images: number;
  detections: number;
  /** the detections themselves (COCO results format), with `keepDetections` */
  cocoDetections?: CocoDetection[];
  /** the evaluated image ids, with `keepDetections` */
  imageIds?: number[];
}

/** Every key evaluateModel() accepts; anything else is ERR_INVALID_OPTION. Add new options here. */
export const EVALUATE_OPTION_KEYS: readonly string[] = ['conf', 'iou', 'maxDet', 'imageIds', 'limit', 'masks', 'onProgress', 'keepDetections'];

export interface EvaluateOptions {
  /** confidence threshold; default 0.001 (Ultralytics val) */
  conf?: number;
  /** NMS IoU; default 0.7 */
  iou?: number;
  /** detections per image; default 300 */
  maxDet?: number;
  /** evaluate only these image ids (default: every image of the ground truth with a known file) */
  imageIds?: number[];
  /** at most this many images (after imageIds) */
  limit?: number;
  /** mask AP too (segmentation models); default: when the model segments */
  masks?: boolean;
  /** called after every image */
  onProgress?: (done: number, total: number) => void;
  /** return the detections too (plots: confusion matrix); default false */
  keepDetections?: boolean;
}

/** Ultralytics val's detection settings (multi-label NMS at conf 0.001, empty masks kept), masks on or off. */
export function validationDetectOptions(masks: boolean, o: Pick<EvaluateOptions, 'conf' | 'iou' | 'maxDet'> = {}) {
  return { conf: o.conf ?? 0.001, iou: o.iou ?? 0.7, maxDet: o.maxDet ?? 300, multiLabel: true, masks, dropEmptyMasks: false };
}

export function apSummary(stats: number[], table: string, prCurve?: ApSummary['prCurve']): ApSummary {
  const [map, map50, map75, mapSmall, mapMedium, mapLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge] = stats as [number, number, number, number, number, number, number, number, number, number, number, number];
  return { map, map50, map75, mapSmall, mapMedium, mapLarge, ar1, ar10, ar100, arSmall, arMedium, arLarge, stats, table, ...(prCurve ? { prCurve } : {}) };
}

/** One image's detections in COCO results format. */
export function toCocoDetections(result: ImageResult, imageId: number, classToCategory: number[], masks: boolean): CocoDetection[] {
  return result.detections.map((d) => {
    const [x1, y1, x2, y2] = d.box;
    const det: CocoDetection = { image_id: imageId, category_id: classToCategory[d.classId] ?? d.classId + 1, score: d.score, bbox: [x1, y1, x2 - x1, y2 - y1] };
    if (masks && d.mask) det.segmentation = rleFromMask(d.mask);
    return det;
  });
}

/** The images to evaluate: ids in ground-truth order that have an image file. */
export function evaluationImages(data: GroundTruthDataset, options: Pick<EvaluateOptions, 'imageIds' | 'limit'> = {}): { id: number; path: string }[] {
  const wanted = options.imageIds ? new Set(options.imageIds) : undefined;
  const list: { id: number; path: string }[] = [];
  for (const image of data.gt.images) {
    if (wanted && !wanted.has(image.id)) continue;
    const path = data.imagePaths.get(image.id);
    if (!path) continue;
    list.push({ id: image.id, path });
  }
  if (list.length === 0) throw new YoloeTrtError('ERR_DATASET', 'No images to evaluate: the dataset names no image files (give the images folder)');
  return options.limit !== undefined ? list.slice(0, options.limit) : list;
}

/**
 * Predicts every image of `data` with `model` and evaluates box (and mask) AP.
 * @example const { box } = await evaluateModel(model, await loadGroundTruth('instances_val2017.json'));
 */
export async function evaluateModel(model: Model, data: GroundTruthDataset, options: EvaluateOptions = {}): Promise<EvaluationResult> {
  checkKnownKeys('evaluateModel', options, EVALUATE_OPTION_KEYS);
  const images = evaluationImages(data, options);
  const masks = options.masks ?? model.info.task === 'segment';
  // as Ultralytics val: its own post-processing keeps detections whose mask is empty
  const detectOptions = validationDetectOptions(masks, options);
  const dets: CocoDetection[] = [];
  let done = 0;
  for (const { id, path } of images) {
    const image = await decodeImage(path);
    const [result] = await model.detectDecoded([image], detectOptions);
    dets.push(...toCocoDetections(result!, id, data.classToCategory, masks));
    options.onProgress?.(++done, images.length);
  }
  const imageIds = images.map((i) => i.id);
  const box = evaluateCoco(data.gt, dets, 'bbox', { imageIds });
  const result: EvaluationResult = { box: apSummary(box.stats, box.table, box.prCurve), images: images.length, detections: dets.length };
  if (masks) {
    const mask = evaluateCoco(data.gt, dets, 'segm', { imageIds });
    result.mask = apSummary(mask.stats, mask.table, mask.prCurve);
  }
  if (options.keepDetections) Object.assign(result, { cocoDetections: dets, imageIds });
  return result;
}

/** loadGroundTruth with the options the CLI exposes. */
export async function loadEvaluationData(path: string, options: { imagesDir?: string; labelsDir?: string; split?: 'train' | 'val' | 'test' } = {}): Promise<GroundTruthDataset> {
  const opts: Record<string, string> = {};
  if (options.imagesDir) opts.imagesDir = options.imagesDir;
  if (options.labelsDir) opts.labelsDir = options.labelsDir;
  if (options.split) opts.split = options.split;
  return loadGroundTruth(path, opts);
}
