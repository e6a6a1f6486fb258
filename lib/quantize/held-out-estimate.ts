/**
 * A label-free estimate of the mAP50-95 drop of an int8 model on images without labels.
 *
 * Judging int8 against the fp32 model's own detections (the agreement proxy) overstates the drop
 * several times: fp32 matches itself with IoU 1 at every threshold 0.50..0.95, so pixel-level
 * int8 box shifts, far below fp32's own error against real ground truth, cost AP at the high
 * thresholds. Here the pseudo ground truth is fp32 on the horizontally MIRRORED image, mirrored
 * back (conf >= 0.25): as good a view as the original (YOLO trains with fliplr), with its own
 * localisation error. The estimate is AP(fp32 | pseudo) - AP(int8 | pseudo), with pycocotools'
 * mAP50-95 (lib/eval), box and mask, and a paired bootstrap over images for its noise.
 */
import { evaluateCocoImages, rleArea, rleFromMask, type CocoAnnotation, type CocoDetection, type CocoGroundTruth, type ImageSetAp } from '../eval/index.js';
import type { Model } from '../model.js';
import type { ImageResult, RgbImage } from '../types.js';
import { bootstrapIndices } from '../random.js';
import { toCocoDetections, validationDetectOptions } from './evaluate-model.js';
import { withModel } from './temp-model.js';
import { mirrorImage, mirrorResult } from './mirror.js';

/** The drop of one AP type (box or mask), in mAP50-95 points. */
export interface DropEstimate {
  /** AP(fp32 | pseudo) - AP(int8 | pseudo), x100 */
  drop: number;
  /** bootstrap standard error of `drop` over images (resampled with replacement, paired) */
  noise: number;
  /** fp32's and int8's mAP50-95 against the pseudo ground truth, x100 */
  fp32Ap: number;
  int8Ap: number;
}

export interface HeldOutEstimate {
  box: DropEstimate;
  /** segmentation models */
  mask?: DropEstimate;
  /** the larger of the box and mask drops, and that one's noise: what a budget is held to */
  drop: number;
  noise: number;
  images: number;
  /** pseudo ground-truth objects (fp32 detections on the mirrored images) */
  pseudoObjects: number;
}

export interface MirrorEstimatorOptions {
  /** fp32 detections on the mirrored images that become pseudo ground truth: score above this; default 0.25 */
  pseudoConf?: number;
  /** mask AP too (segmentation models); default false */
  masks?: boolean;
  /** bootstrap resamples; default 200 */
  resamples?: number;
  /** bootstrap seed; default 0 (reproducible) */
  seed?: number;
}

/** Estimates the drop of int8 predictions on the images the estimator was made for. */
export interface MirrorEstimator {
  images: number;
  pseudoObjects: number;
  /** `int8`: the predictions (val settings, conf 0.001) on the same images, in the same order */
  estimate(int8: ImageResult[]): HeldOutEstimate;
}

export const DEFAULT_PSEUDO_CONF = 0.25;

/** fp32's detections on the mirrored images, mirrored back: the pseudo ground truth's objects. */
export async function mirroredDetections(fp32: Model, images: RgbImage[], conf = DEFAULT_PSEUDO_CONF, masks = false): Promise<ImageResult[]> {
  const results: ImageResult[] = [];
  for (const image of images) {
    const [r] = await fp32.detectDecoded([mirrorImage(image)], { conf, masks });
    results.push(mirrorResult(r!));
  }
  return results;
}

/** Detections as COCO ground truth: image i + 1, category class + 1, RLE masks when `masks`. */
export function pseudoGroundTruth(results: ImageResult[], nc: number, masks: boolean): CocoGroundTruth {
  const annotations: CocoAnnotation[] = [];
  results.forEach((r, i) => {
    for (const d of r.detections) {
      const [x1, y1, x2, y2] = d.box;
      const segmentation = masks && d.mask ? rleFromMask(d.mask) : undefined;
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: d.classId + 1,
        bbox: [x1, y1, x2 - x1, y2 - y1],
        area: segmentation ? rleArea(segmentation) : (x2 - x1) * (y2 - y1),
        iscrowd: 0,
        ...(segmentation ? { segmentation } : {}),
      });
    }
  });
  return {
    images: results.map((r, i) => ({ id: i + 1, width: r.width, height: r.height })),
    annotations,
    categories: Array.from({ length: nc }, (_, c) => ({ id: c + 1, name: String(c) })),
  };
}

/**
 * The estimator for one set of images, from fp32's predictions on them (val settings) and the
 * pseudo ground truth (`mirroredDetections`).
 */
export function mirrorEstimator(fp32: ImageResult[], pseudo: ImageResult[], nc: number, options: MirrorEstimatorOptions = {}): MirrorEstimator {
  const masks = options.masks ?? false;
  const gt = pseudoGroundTruth(pseudo, nc, masks);
  const categories = Array.from({ length: nc }, (_, c) => c + 1);
  const types = masks ? (['bbox', 'segm'] as const) : (['bbox'] as const);
  const samples = bootstrapIndices(fp32.length, options.resamples ?? 200, options.seed ?? 0);
  const evaluate = (results: ImageResult[]) => {
    const dets: CocoDetection[] = results.flatMap((r, i) => toCocoDetections(r, i + 1, categories, masks));
    return types.map((t) => evaluateCocoImages(gt, dets, t));
  };
  const apOf = (e: ImageSetAp) => ({ all: 100 * e.ap().map, samples: samples.map((s) => 100 * e.ap(s).map) });
  const reference = evaluate(fp32).map(apOf);
  return {
    images: fp32.length,
    pseudoObjects: gt.annotations.length,
    estimate(int8) {
      if (int8.length !== fp32.length) throw new RangeError(`Expected ${fp32.length} int8 results but received ${int8.length}`);
      const parts = evaluate(int8).map((e, k): DropEstimate => {
        const ap = apOf(e);
        const ref = reference[k]!;
        const d = ref.samples.map((v, s) => v - ap.samples[s]!);
        const mean = d.reduce((a, x) => a + x, 0) / Math.max(1, d.length);
        const noise = Math.sqrt(d.reduce((a, x) => a + (x - mean) ** 2, 0) / Math.max(1, d.length - 1));
        return { drop: ref.all - ap.all, noise, fp32Ap: ref.all, int8Ap: ap.all };
      });
      const box = parts[0]!;
      const mask = parts[1];
      const worst = mask && mask.drop > box.drop ? mask : box;
      return { box, ...(mask ? { mask } : {}), drop: worst.drop, noise: worst.noise, images: fp32.length, pseudoObjects: gt.annotations.length };
    },
  };
}

/**
 * The estimate for a whole int8 model on `images`: fp32's val predictions and pseudo labels, the
 * int8 model's val predictions, then `mirrorEstimator`. Masks: segmentation models, by default.
 */
export async function estimateModelDrop(fp32: string | Uint8Array, int8: string | Uint8Array, images: RgbImage[], options: MirrorEstimatorOptions & { threads?: number } = {}): Promise<HeldOutEstimate> {
  const reference = await withModel(fp32, async (m) => {
    const masks = options.masks ?? m.info.task === 'segment';
    const nc = m.info.layout.kind === 'raw' ? m.info.layout.nc : m.info.names.length;
    return { masks, nc, val: await m.detectDecoded(images, validationDetectOptions(masks)), pseudo: await mirroredDetections(m, images, options.pseudoConf, masks) };
  }, options.threads);
  const predicted = await withModel(int8, (m) => m.detectDecoded(images, validationDetectOptions(reference.masks)), options.threads);
  return mirrorEstimator(reference.val, reference.pseudo, reference.nc, { ...options, masks: reference.masks }).estimate(predicted);
}
