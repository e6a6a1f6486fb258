/**
 * COCO box and mask AP exactly as pycocotools' COCOeval (iouType 'bbox' and 'segm'), so
 * numbers printed here can be compared with published ones. Reference: REFERENCE.md section 5.
 */
import type { CocoRle } from '../types.js';
import { YoloeTrtError } from '../errors.js';
import { accumulate } from './accumulate.js';
import { evaluateImage, type EvalDetection, type EvalGroundTruth, type ImageEvaluation } from './evaluate-image.js';
import { boxIouMatrix, rleArea, rleIouMatrix, rleToBbox, segmentationToRle, type Box } from './mask-ops.js';
import { linspace } from './numpy-compat.js';
import { formatCocoTable, summarize, summarizeAp, summarizeCategory } from './summarize.js';
import type { CocoAnnotation, CocoDetection, CocoGroundTruth, CocoSegmentation, IouType } from './types.js';
import { checkKnownKeys } from '../validate.js';

export { formatCocoTable } from './summarize.js';

/** pycocotools' thresholds, generated the way it generates them (0.9 is 0.8999999999999999). */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, Math.round((0.95 - 0.5) / 0.05) + 1);
export const RECALL_THRESHOLDS = linspace(0, 1, Math.round((1 - 0) / 0.01) + 1);
export const MAX_DETS = [1, 10, 100] as const;
/** all, small, medium, large, on the ground truth's `area` field (and the detection's area when unmatched) */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0, 1e10],
  [0, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e10],
];

export interface CocoEvalOptions {
  /** evaluate only these images (pycocotools' params.imgIds); default: every image of the ground truth */
  imageIds?: number[];
}

/** Every key evaluateCoco() accepts; anything else is ERR_INVALID_OPTION. */
export const COCO_EVAL_OPTION_KEYS: readonly string[] = ['imageIds'];

export interface CategoryAp {
  categoryId: number;
  /** AP@[.50:.95], area all, 100 detections; -1 when the category has no ground truth */
  ap: number;
  ap50: number;
}

export interface CocoEvalResult {
  /** AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl; -1 where undefined */
  stats: number[];
  /** pycocotools' printed summary */
  table: string;
  byCategory: CategoryAp[];
  /**
   * the mean precision-recall curve at IoU 0.50 (area all, 100 detections) over the categories
   * with ground truth, at the 101 recall thresholds: its mean is stats[1] (AP50)
   */
  prCurve: { recall: number[]; precision: number[] };
}

interface PreparedDetection extends EvalDetection {
  index: number;
  box: Box;
  segmentation?: CocoSegmentation;
}

function datasetError(message: string): YoloeTrtError {
  return new YoloeTrtError('ERR_DATASET', message);
}

function isBox(value: unknown): value is Box {
  return Array.isArray(value) && value.length === 4 && value.every((n) => typeof n === 'number' && Number.isFinite(n));
}

/**
 * Evaluates detections against ground truth.
 *
 * Detection areas follow pycocotools' loadRes, decided by the FIRST detection: when it has a
 * bbox, every area is bbox w*h (also for 'segm' - which is what Ultralytics' predictions.json,
 * carrying both, gets); otherwise every area is the mask's pixel count. A detection without a
 * segmentation in box mode is evaluated in 'segm' as its box polygon (pycocotools does the same).
 *
 * @example
 * const { stats, table } = evaluateCoco(gt, detections, 'bbox');
 * console.log(table); // stats[0] is mAP@[.5:.95]
 */
export function evaluateCoco(gt: CocoGroundTruth, dets: CocoDetection[], iouType: IouType, options: CocoEvalOptions = {}): CocoEvalResult {
  const { evals } = evaluatePerImage(gt, dets, iouType, options);
  const acc = accumulate(evals, MAX_DETS, IOU_THRESHOLDS.length, RECALL_THRESHOLDS);
  const stats = summarize(acc, IOU_THRESHOLDS, MAX_DETS);
  const byCategory = categoryIds(gt).map((categoryId, k) => ({ categoryId, ...summarizeCategory(acc, k, IOU_THRESHOLDS, MAX_DETS) }));
  return { stats, table: formatCocoTable(stats), byCategory, prCurve: meanPrCurve(acc) };
}

/** Box or mask AP of one set of detections on any multiset of its images (a bootstrap resample). */
export interface ImageSetAp {
  /** the evaluated image ids, ascending: sample entries index this list */
  imageIds: number[];
  /**
   * mAP@[.50:.95] and mAP@.50 (area all, 100 detections) over `sample` (indices into imageIds,
   * repeats allowed); default every image once, which equals evaluateCoco's stats[0] and stats[1]
   */
  ap(sample?: readonly number[]): { map: number; map50: number };
}

/**
 * Matches detections to ground truth once per image, then accumulates AP over any multiset of the
 * images: a bootstrap over images costs one accumulation per resample, not a re-evaluation.
 */
export function evaluateCocoImages(gt: CocoGroundTruth, dets: CocoDetection[], iouType: IouType, options: CocoEvalOptions = {}): ImageSetAp {
  const { evals, imgIds } = evaluatePerImage(gt, dets, iouType, options);
  // area 'all' and maxDets 100 only: what mAP@[.50:.95] reads
  const all = evals.map((areas) => [areas[0]!]);
  const maxDets = [MAX_DETS[MAX_DETS.length - 1]!];
  return {
    imageIds: imgIds,
    ap(sample) {
      const picked = sample ? all.map(([row]) => [sample.map((i) => row![i] ?? null)]) : all;
      return summarizeAp(accumulate(picked, maxDets, IOU_THRESHOLDS.length, RECALL_THRESHOLDS), IOU_THRESHOLDS, maxDets);
    },
  };
}

function categoryIds(gt: CocoGroundTruth): number[] {
  return [...new Set(gt.categories.map((c) => c.id))].sort((a, b) => a - b);
}

/** pycocotools' evaluate(): evalImgs as [category][area range][image], images in ascending id order. */
function evaluatePerImage(gt: CocoGroundTruth, dets: CocoDetection[], iouType: IouType, options: CocoEvalOptions): { evals: (ImageEvaluation | null)[][][]; imgIds: number[] } {
  if (iouType !== 'bbox' && iouType !== 'segm') throw datasetError(`Expected 'bbox' or 'segm' for iouType but received ${String(iouType)}`);
  if (!gt || !Array.isArray(gt.images) || !Array.isArray(gt.annotations) || !Array.isArray(gt.categories)) {
    throw datasetError('Ground truth needs images, annotations and categories arrays');
  }
  if (!Array.isArray(dets)) throw datasetError('Detections must be an array');
  checkKnownKeys('evaluateCoco', options, COCO_EVAL_OPTION_KEYS);

  const images = new Map<number, { width: number; height: number }>();
  for (const image of gt.images) images.set(image.id, { width: image.width, height: image.height });
  const imgIds = [...new Set(options.imageIds ?? gt.images.map((i) => i.id))].sort((a, b) => a - b);
  for (const id of imgIds) if (!images.has(id)) throw datasetError(`Image id ${id} is not in the ground truth`);
  const catIds = categoryIds(gt);
  const imgIndex = new Map(imgIds.map((id, i) => [id, i]));
  const catIndex = new Map(catIds.map((id, k) => [id, k]));

  const prepared = prepareDetections(dets, images, iouType);

  // group by (category, image), keeping file order inside each group
  const gtGroups = groupIndices(gt.annotations, catIndex, imgIndex, catIds.length, imgIds.length);
  const dtGroups = groupIndices(dets, catIndex, imgIndex, catIds.length, imgIds.length);

  const maxDet = MAX_DETS[MAX_DETS.length - 1]!;
  const evals: (ImageEvaluation | null)[][][] = catIds.map(() => AREA_RANGES.map(() => new Array<ImageEvaluation | null>(imgIds.length).fill(null)));
  for (let k = 0; k < catIds.length; k++) {
    for (let i = 0; i < imgIds.length; i++) {
      if (gtGroups[k]![i]!.length === 0 && dtGroups[k]![i]!.length === 0) continue;
      const gts = gtGroups[k]![i]!.map((n) => gt.annotations[n]!);
      const dts = dtGroups[k]![i]!.map((n) => prepared[n]!);
      // best score first (stable, like numpy's mergesort), capped at the largest maxDets
      const ranked = dts.slice().sort((a, b) => b.score - a.score || a.index - b.index).slice(0, maxDet);
      const image = images.get(imgIds[i]!)!;
      const ious = ranked.length > 0 && gts.length > 0 ? computeIous(gts, ranked, iouType, image) : [];
      const evalGts: EvalGroundTruth[] = gts.map((g) => ({ id: g.id, area: g.area, iscrowd: Boolean(g.iscrowd) }));
      for (let a = 0; a < AREA_RANGES.length; a++) {
        evals[k]![a]![i] = evaluateImage(evalGts, ranked, ious, AREA_RANGES[a]!, IOU_THRESHOLDS);
      }
    }
  }
  return { evals, imgIds };
}

/** Mean over categories of precision[t = IoU .50][r][k][area all][maxDets 100], -1 entries skipped. */
function meanPrCurve(acc: ReturnType<typeof accumulate>): { recall: number[]; precision: number[] } {
  const { R, K, A, M } = acc.dims;
  const precision: number[] = [];
  for (let r = 0; r < R; r++) {
    let sum = 0;
    let n = 0;
    for (let k = 0; k < K; k++) {
      const p = acc.precision[((r * K + k) * A + 0) * M + (M - 1)]!;
      if (p > -1) {
        sum += p;
        n++;
      }
    }
    precision.push(n > 0 ? sum / n : 0);
  }
  return { recall: Array.from(RECALL_THRESHOLDS), precision };
}

/** pycocotools' loadRes: checks image ids and gives every detection its area and box. */
function prepareDetections(dets: CocoDetection[], images: Map<number, { width: number; height: number }>, iouType: IouType): PreparedDetection[] {
  const boxMode = dets.length > 0 && Array.isArray(dets[0]!.bbox) && dets[0]!.bbox.length > 0;
  return dets.map((det, index) => {
    if (det === null || typeof det !== 'object') throw datasetError(`Detection ${index} is not an object`);
    const image = images.get(det.image_id);
    if (!image) throw datasetError(`Detection ${index} refers to image id ${String(det.image_id)}, which is not in the ground truth`);
    if (typeof det.score !== 'number' || Number.isNaN(det.score)) throw datasetError(`Detection ${index} has no numeric score`);
    if (boxMode) {
      if (!isBox(det.bbox)) throw datasetError(`Detection ${index} needs a bbox [x, y, w, h] like the first detection`);
      const [x, y, w, h] = det.bbox;
      const segmentation = det.segmentation ?? (iouType === 'segm' ? [[x, y, x, y + h, x + w, y + h, x + w, y]] : undefined);
      return { index, score: det.score, area: w * h, box: det.bbox, segmentation };
    }
    if (det.segmentation === undefined) throw datasetError(`Detection ${index} has neither a bbox nor a segmentation`);
    const rle = segmentationToRle(det.segmentation, image.height, image.width);
    const box = isBox(det.bbox) ? det.bbox : rleToBbox(rle);
    return { index, score: det.score, area: rleArea(rle), box, segmentation: rle };
  });
}

/** Indices of the items of each (category, image), in their original order. */
function groupIndices(
  items: { image_id: number; category_id: number }[],
  catIndex: Map<number, number>,
  imgIndex: Map<number, number>,
  K: number,
  I: number,
): number[][][] {
  const groups: number[][][] = Array.from({ length: K }, () => Array.from({ length: I }, () => []));
  items.forEach((item, n) => {
    const k = catIndex.get(item.category_id);
    const i = imgIndex.get(item.image_id);
    if (k === undefined || i === undefined) return; // not evaluated, as in pycocotools
    groups[k]![i]!.push(n);
  });
  return groups;
}

const gtRleCache = new WeakMap<CocoAnnotation, CocoRle>();

function computeIous(gts: CocoAnnotation[], dts: PreparedDetection[], iouType: IouType, image: { width: number; height: number }): Float64Array[] {
  const crowd = gts.map((g) => (g.iscrowd ? 1 : 0));
  if (iouType === 'bbox') {
    return boxIouMatrix(
      dts.map((d) => d.box),
      gts.map((g, n) => {
        if (!isBox(g.bbox)) throw datasetError(`Annotation ${String(g.id)} (index ${n} of its image) needs a bbox [x, y, w, h]`);
        return g.bbox;
      }),
      crowd,
    );
  }
  const gtRles = gts.map((g) => {
    let rle = gtRleCache.get(g);
    if (!rle) {
      if (g.segmentation === undefined) throw datasetError(`Annotation ${String(g.id)} has no segmentation, needed for mask AP`);
      rle = segmentationToRle(g.segmentation, image.height, image.width);
      gtRleCache.set(g, rle);
    }
    return rle;
  });
  const dtRles = dts.map((d) => segmentationToRle(d.segmentation!, image.height, image.width));
  return rleIouMatrix(dtRles, gtRles, crowd);
}
