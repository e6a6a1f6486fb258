/**
 * Ultralytics' detection confusion matrix (ultralytics/utils/metrics.py, ConfusionMatrix.
 * process_batch): detections above conf 0.25 are matched to ground-truth boxes of any class at
 * IoU > 0.45, each detection and each ground truth used once (highest IoU first); a matched
 * pair counts at [predicted class][true class], an unmatched ground truth at
 * [background][true class], an unmatched detection at [predicted class][background].
 * Crowd annotations are left out (YOLO labels have none). Checked against a numpy transcription
 * of process_batch on the cases of test/report-plots.test.ts.
 */
import type { CocoDetection, CocoGroundTruth } from '../eval/index.js';

export interface ConfusionMatrix {
  /** (nc + 1) x (nc + 1), row = predicted class, column = true class; index nc = background */
  matrix: number[][];
  nc: number;
  conf: number;
  iou: number;
}

type Box = [number, number, number, number];

const xyxy = (b: number[]): Box => [b[0]!, b[1]!, b[0]! + b[2]!, b[1]! + b[3]!];

function iou(a: Box, b: Box): number {
  const iw = Math.max(0, Math.min(a[2], b[2]) - Math.max(a[0], b[0]));
  const ih = Math.max(0, Math.min(a[3], b[3]) - Math.max(a[1], b[1]));
  const inter = iw * ih;
  const union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * @param classToCategory class index -> COCO category id (the dataset's mapping)
 * @param imageIds the images to count (default: every ground-truth image)
 */
export function confusionMatrix(
  gt: CocoGroundTruth,
  dets: CocoDetection[],
  classToCategory: number[],
  options: { imageIds?: number[]; conf?: number; iou?: number } = {},
): ConfusionMatrix {
  const conf = options.conf ?? 0.25;
  const iouThreshold = options.iou ?? 0.45;
  const nc = classToCategory.length;
  const classOf = new Map(classToCategory.map((cat, c) => [cat, c]));
  const matrix = Array.from({ length: nc + 1 }, () => new Array<number>(nc + 1).fill(0));
  const ids = options.imageIds ?? gt.images.map((i) => i.id);
  const gtByImage = new Map<number, { cls: number; box: Box }[]>();
  const dtByImage = new Map<number, { cls: number; box: Box }[]>();
  for (const a of gt.annotations) {
    const cls = classOf.get(a.category_id);
    if (cls === undefined || a.iscrowd || !a.bbox) continue;
    (gtByImage.get(a.image_id) ?? gtByImage.set(a.image_id, []).get(a.image_id)!).push({ cls, box: xyxy(a.bbox) });
  }
  for (const d of dets) {
    const cls = classOf.get(d.category_id);
    if (cls === undefined || !(d.score > conf) || !d.bbox) continue;
    (dtByImage.get(d.image_id) ?? dtByImage.set(d.image_id, []).get(d.image_id)!).push({ cls, box: xyxy(d.bbox) });
  }
  for (const id of ids) {
    const gts = gtByImage.get(id) ?? [];
    const dts = dtByImage.get(id) ?? [];
    const pairs: { g: number; d: number; iou: number }[] = [];
    gts.forEach((g, gi) => dts.forEach((d, di) => {
      const v = iou(g.box, d.box);
      if (v > iouThreshold) pairs.push({ g: gi, d: di, iou: v });
    }));
    // highest IoU first; a detection, then a ground truth, keeps only its best pair
    pairs.sort((a, b) => b.iou - a.iou);
    const usedD = new Set<number>();
    const byD = pairs.filter((p) => (usedD.has(p.d) ? false : (usedD.add(p.d), true)));
    const usedG = new Set<number>();
    const matches = byD.filter((p) => (usedG.has(p.g) ? false : (usedG.add(p.g), true)));
    const matchOfG = new Map(matches.map((m) => [m.g, m.d]));
    const matchedD = new Set(matches.map((m) => m.d));
    gts.forEach((g, gi) => {
      const d = matchOfG.get(gi);
      if (d !== undefined) matrix[dts[d]!.cls]![g.cls]!++;
      else matrix[nc]![g.cls]!++;
    });
    // as Ultralytics: in an image with ground truth, unmatched detections count only when
    // something matched (its `if n:`); an image without ground truth counts them all
    if (gts.length === 0 || matches.length > 0) {
      dts.forEach((d, di) => {
        if (!matchedD.has(di)) matrix[d.cls]![nc]!++;
      });
    }
  }
  return { matrix, nc, conf, iou: iouThreshold };
}
