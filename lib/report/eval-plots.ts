/**
 * `eval --plots DIR`: box (and mask) PR curves and the confusion matrix as PNG, as Ultralytics'
 * val draws them, plus plots.json with the numbers behind every picture.
 */
import { join } from 'node:path';
import type { GroundTruthDataset } from '../eval/index.js';
import type { EvaluationResult } from '../quantize/evaluate-model.js';
import { confusionMatrix, type ConfusionMatrix } from './confusion-matrix.js';
import { heatMap, lineChart, type Series } from './svg-charts.js';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import { writeSvgAsPng } from './write-files.js';

export interface EvalPlots {
  /** PNG paths written */
  files: string[];
  /** mean PR curve at IoU 0.50 per kind, and the mean of each (= AP50 of the printed table) */
  curves: { box: { precision: number[]; ap50: number }; mask?: { precision: number[]; ap50: number } };
  confusion: ConfusionMatrix;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);

/** A PR-curve series from an evaluation's mean curve, labelled with its AP50. */
export function prSeries(label: string, curve: { recall: number[]; precision: number[] }, color?: string): Series {
  return { label: `${label} ${mean(curve.precision).toFixed(3)} mAP@0.5`, x: curve.recall, y: curve.precision, ...(color ? { color } : {}) };
}

/**
 * Writes box_pr_curve.png, mask_pr_curve.png (segmentation), confusion_matrix.png and plots.json
 * into `dir`. `result` must come from evaluateModel with `keepDetections: true`.
 */
export async function writeEvalPlots(dir: string, result: EvaluationResult, data: GroundTruthDataset): Promise<EvalPlots> {
  const files: string[] = [];
  const box = result.box.prCurve!;
  files.push(await writeSvgAsPng(dir, 'box_pr_curve.png', lineChart('Box precision-recall (IoU 0.50)', 'Recall', 'Precision', [prSeries('all classes', box)])));
  const curves: EvalPlots['curves'] = { box: { precision: box.precision, ap50: mean(box.precision) } };
  if (result.mask?.prCurve) {
    const mask = result.mask.prCurve;
    files.push(await writeSvgAsPng(dir, 'mask_pr_curve.png', lineChart('Mask precision-recall (IoU 0.50)', 'Recall', 'Precision', [prSeries('all classes', mask)])));
    curves.mask = { precision: mask.precision, ap50: mean(mask.precision) };
  }
  const confusion = confusionMatrix(data.gt, result.cocoDetections ?? [], data.classToCategory, { imageIds: result.imageIds });
  files.push(await writeSvgAsPng(dir, 'confusion_matrix.png', heatMap('Confusion matrix (conf 0.25, IoU 0.45), normalised by true class', 'True', 'Predicted', confusion.matrix, [...data.names, 'background'])));
  writeFileAtomicSync(join(dir, 'plots.json'), `${JSON.stringify({ curves, recall: box.recall, confusion, names: data.names })}\n`);
  return { files, curves, confusion };
}
