/**
 * FP32 vs INT8 on the same data: detection agreement, score compression, collapse check, CPU
 * latency, file size and (with a dataset) box / mask mAP. A quantized model whose scores
 * collapse is flagged loudly.
 */
import { statSync } from 'node:fs';
import { YoloeTrtError } from '../errors.js';
import type { GroundTruthDataset } from '../eval/index.js';
import { decodeImage } from '../image/decode.js';
import { preprocess } from '../image/index.js';
import type { Model } from '../model.js';
import type { ImageInput, RgbImage, Tensor } from '../types.js';
import type { ClassEmbeddings } from '../text/types.js';
import { RawHead, compareDetections, compareRaw, mergeRaw, type Agreement, type RawComparison } from './agreement.js';
import { evaluateModel, type EvaluationResult } from './evaluate-model.js';
import { loadOnnxFile, writeOnnx } from '../onnx/index.js';
import { fastDfl } from './fast-dfl.js';
import { measureLatencyRatio } from './latency.js';
import { withModel } from './temp-model.js';
import type { DropMeasure } from './sensitivity.js';
import { checkKnownKeys } from '../validate.js';

export type QuantizationVerdict = 'ok' | 'degraded' | 'collapsed';
/** The report's verdict: the collapse check's, or 'over-budget' when a drop misses `maxDrop` (collapsed still wins). */
export type ReportVerdict = QuantizationVerdict | 'over-budget';

/**
 * An accuracy budget and, when quantize() measured one, its drop on the calibration images. With
 * an `evaluation` (labels) the labelled drop on it is what the budget is judged on; quantize()'s
 * drop is then shown beside it as information. Without one, quantize()'s drop is judged.
 */
export interface ReportBudget {
  maxDrop: number;
  /**
   * the drop in points quantize() measured (`QuantizeBudget.drop`): labelled mAP on the held-out
   * calibration images ('map'), or the label-free estimate on every calibration image ('mirror-estimate')
   */
  calibrationDrop?: number;
  /** the label-free estimate's bootstrap noise */
  calibrationNoise?: number;
  measure?: DropMeasure;
  /** images calibrationDrop was measured on */
  calibrationImages?: number;
  /** calibrationDrop is predicted from the head error (`QuantizeBudget.predicted`); the raw estimate beside it */
  predicted?: { slope: number; margin: boolean; estimate: number; estimateNoise: number };
}

/** The budget as judged: the headline drop, and what it was measured on. */
export interface JudgedBudget extends ReportBudget {
  met: boolean;
  /**
   * the drop the verdict is judged on, in mAP50-95 points: with an evaluation the larger of its
   * box and mask drops (labelled), else quantize()'s calibrationDrop; undefined when nothing measured one
   */
  drop?: number;
  /** 'evaluation': labelled, on the evaluation images; 'calibration': quantize()'s drop */
  judgedOn?: 'evaluation' | 'calibration';
}

export interface QuantizationCheck {
  verdict: QuantizationVerdict;
  /** why the verdict is not 'ok' */
  reasons: string[];
  images: number;
  /** detections at conf 0.25 */
  agreement: Agreement;
  /** raw head: anchors above 0.5, max scores, score and box errors */
  raw: RawComparison;
}

async function rawHead(model: Model, image: RgbImage): Promise<RawHead | undefined> {
  const layout = model.info.layout;
  if (layout.kind !== 'raw') return undefined;
  const { outputs } = await model.infer([image]);
  return new RawHead(outputs[layout.output] as Tensor, layout);
}

/**
 * Runs both models on `images` and judges the quantized one:
 * - 'collapsed': fp32 detects objects but int8 scores stay near zero (max class score under
 *   0.05 or a tenth of fp32's) or keeps under 10% of fp32's detections;
 * - 'degraded': keeps under 80% of fp32's detections or under 80% of its anchors above 0.5;
 * - 'ok' otherwise.
 * @example const { verdict } = await checkQuantizedModel('m.onnx', 'm.int8.onnx', ['bus.jpg']);
 */
export async function checkQuantizedModel(fp32: string | Uint8Array, int8: string | Uint8Array, images: ImageInput[], vocabulary?: ReportVocabulary): Promise<QuantizationCheck> {
  if (!Array.isArray(images) || images.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a non-empty array of images for images', { option: 'images' });
  const decoded = await Promise.all(images.map((i) => decodeImage(i)));
  const run = (path: string | Uint8Array) =>
    withModel(path, async (m) => {
      await useVocabulary(m, vocabulary);
      const dets = await m.detectDecoded(decoded, { conf: 0.25 });
      const raws: (RawHead | undefined)[] = [];
      for (const img of decoded) raws.push(await rawHead(m, img));
      return { dets, raws };
    });
  const a = await run(fp32);
  const b = await run(int8);
  const agreement = compareDetections(a.dets, b.dets);
  const raw = mergeRaw(a.raws.flatMap((r, i) => (r && b.raws[i] ? [compareRaw(r, b.raws[i]!)] : [])));
  const reasons: string[] = [];
  let verdict: QuantizationVerdict = 'ok';
  if (agreement.fp32Detections > 0) {
    if (raw.int8MaxScore < Math.max(0.05, 0.1 * raw.fp32MaxScore)) reasons.push(`class scores collapsed: highest int8 score ${raw.int8MaxScore.toFixed(4)} vs fp32 ${raw.fp32MaxScore.toFixed(4)}`);
    if (agreement.kept < 0.1) reasons.push(`int8 keeps ${(agreement.kept * 100).toFixed(1)}% of the fp32 detections`);
    if (reasons.length > 0) verdict = 'collapsed';
    else {
      if (agreement.kept < 0.8) reasons.push(`int8 keeps only ${(agreement.kept * 100).toFixed(1)}% of the fp32 detections`);
      if (raw.fp32AboveHalf > 0 && raw.int8AboveHalf < 0.8 * raw.fp32AboveHalf) reasons.push(`scores compressed: ${raw.int8AboveHalf} anchors above 0.5 vs ${raw.fp32AboveHalf} in fp32`);
      if (reasons.length > 0) verdict = 'degraded';
    }
  }
  return { verdict, reasons, images: decoded.length, agreement, raw };
}

/** The classes both models of a run-time-vocabulary report detect. */
export interface ReportVocabulary {
  names: string[];
  /** K x D floats, or a ClassEmbeddings */
  embeddings: ClassEmbeddings | Float32Array;
}

/** Sets a run-time-vocabulary model's classes (no-op without a vocabulary). */
async function useVocabulary(m: Model, vocabulary: ReportVocabulary | undefined): Promise<void> {
  if (vocabulary) await m.setClasses(vocabulary.names, vocabulary.embeddings);
}

export interface ReportOptions {
  fp32: string;
  int8: string;
  /** run-time-vocabulary models (class-embeddings input): the classes to compare them on; default none */
  vocabulary?: ReportVocabulary;
  /** images for agreement, score compression and the collapse check */
  images: ImageInput[];
  /** COCO evaluation of both models on this dataset */
  evaluation?: { data: GroundTruthDataset; imageIds?: number[]; limit?: number };
  /** timed runs per model; default 20 */
  latencyRuns?: number;
  /** the accuracy budget: missing it (held-out drop, or the evaluation's box / mask drop) is the verdict */
  budget?: ReportBudget;
  threads?: number;
  onProgress?: (message: string) => void;
}

/** Every key quantizationReport() accepts; anything else is ERR_INVALID_OPTION. Add new options here. */
export const REPORT_OPTION_KEYS: readonly string[] = ['fp32', 'int8', 'images', 'evaluation', 'latencyRuns', 'threads', 'onProgress', 'vocabulary', 'budget'];

export interface QuantizationReport {
  /** 'collapsed' > 'over-budget' > 'degraded' > 'ok' */
  verdict: ReportVerdict;
  /** why the verdict is not 'ok' */
  reasons: string[];
  budget?: JudgedBudget;
  fp32: { path: string; bytes: number };
  int8: { path: string; bytes: number };
  /** int8 / fp32 file size */
  sizeRatio: number;
  /** median ms per run, separate sessions, spinning off, interleaved; ratio: median of the per-round int8/fp32 ratios */
  latency: {
    fp32Ms: number;
    int8Ms: number;
    ratio: number;
    runs: number;
    /** against the fp32 model with the int8 model's float rewrites (fast DFL) applied, when it has any */
    sameGraph?: { fp32Ms: number; int8Ms: number; ratio: number };
  };
  check: QuantizationCheck;
  /** anchors above 0.5: int8 / fp32 */
  scoreCompression: { fp32AboveHalf: number; int8AboveHalf: number; ratio: number };
  map?: {
    images: number;
    fp32: EvaluationResult;
    int8: EvaluationResult;
    /** fp32 - int8 in mAP50-95 points */
    boxDrop: number;
    maskDrop?: number;
  };
}

/**
 * Builds the FP32 vs INT8 report.
 * @example const report = await quantizationReport({ fp32: 'm.onnx', int8: 'm.int8.onnx', images: ['bus.jpg'] });
 */
export async function quantizationReport(options: ReportOptions): Promise<QuantizationReport> {
  checkKnownKeys('quantizationReport', options, REPORT_OPTION_KEYS);
  const log = options.onProgress ?? (() => {});
  log('checking agreement');
  const check = await checkQuantizedModel(options.fp32, options.int8, options.images, options.vocabulary);
  const first = await decodeImage(options.images[0]!);
  const { imgsz, extraFeeds } = await withModel(options.fp32, async (m) => {
    await useVocabulary(m, options.vocabulary);
    const input = m.info.vocabulary.embeddingsInput;
    const e = options.vocabulary?.embeddings;
    const data = e instanceof Float32Array ? e : e?.data;
    const feeds = input && data ? { [input]: { dtype: 'float32' as const, dims: [1, options.vocabulary!.names.length, m.info.vocabulary.embedDim!], data } } : undefined;
    return { imgsz: m.info.imgsz, extraFeeds: feeds };
  });
  const { tensor } = preprocess([first], imgsz[1], imgsz[0], 'float32');
  log('measuring latency');
  const runs = options.latencyRuns ?? 20;
  const latencyOptions = { runs, threads: options.threads, ...(extraFeeds ? { extraFeeds } : {}) };
  const { baseMs: fp32Ms, ms: int8Ms, ratio } = await measureLatencyRatio([options.fp32, options.int8], tensor, latencyOptions);
  // the int8 graph carries float rewrites (fastDfl); measure the fp32 graph with them too, so
  // the share of the int8 kernels alone is visible
  let sameGraph: QuantizationReport['latency']['sameGraph'];
  const rewritten = readQuantizationMeta(options.int8)?.fastDfl === true ? fastDfl(loadOnnxFile(options.fp32)) : undefined;
  if (rewritten && rewritten.rewritten > 0) {
    log('measuring latency against the fp32 graph with the same float rewrites');
    const r = await measureLatencyRatio([writeOnnx(rewritten.model), options.int8], tensor, latencyOptions);
    sameGraph = { fp32Ms: r.baseMs, int8Ms: r.ms, ratio: r.ratio };
  }
  const report: QuantizationReport = {
    verdict: check.verdict,
    reasons: [...check.reasons],
    fp32: { path: options.fp32, bytes: statSync(options.fp32).size },
    int8: { path: options.int8, bytes: statSync(options.int8).size },
    sizeRatio: statSync(options.int8).size / statSync(options.fp32).size,
    latency: { fp32Ms, int8Ms, ratio, runs, ...(sameGraph ? { sameGraph } : {}) },
    check,
    scoreCompression: {
      fp32AboveHalf: check.raw.fp32AboveHalf,
      int8AboveHalf: check.raw.int8AboveHalf,
      ratio: check.raw.fp32AboveHalf ? check.raw.int8AboveHalf / check.raw.fp32AboveHalf : 1,
    },
  };
  if (options.evaluation) {
    const { data, imageIds, limit } = options.evaluation;
    const evalOne = (path: string, name: string) =>
      withModel(path, async (m) => {
        await useVocabulary(m, options.vocabulary);
        return evaluateModel(m, data, { imageIds, limit, onProgress: (d, t) => { if (d % 16 === 0 || d === t) log(`${name} eval ${d}/${t}`); } });
      }, options.threads);
    const fp32 = await evalOne(options.fp32, 'fp32');
    const int8 = await evalOne(options.int8, 'int8');
    report.map = {
      images: fp32.images,
      fp32,
      int8,
      boxDrop: 100 * (fp32.box.map - int8.box.map),
      ...(fp32.mask && int8.mask ? { maskDrop: 100 * (fp32.mask.map - int8.mask.map) } : {}),
    };
  }
  if (options.budget) judgeBudget(report, options.budget);
  return report;
}

/**
 * Judges the budget and sets the verdict to 'over-budget' (unless collapsed) when it is missed.
 * With an evaluation (labels) the labelled box and mask drops on it are judged and quantize()'s
 * drop is information only: labels on the judged images beat an estimate. Without one, quantize()'s drop is.
 */
export function judgeBudget(report: QuantizationReport, budget: ReportBudget): void {
  const misses: string[] = [];
  const max = budget.maxDrop;
  let drop: number | undefined;
  let judgedOn: JudgedBudget['judgedOn'];
  if (report.map) {
    judgedOn = 'evaluation';
    drop = Math.max(report.map.boxDrop, report.map.maskDrop ?? -Infinity);
    if (report.map.boxDrop > max) misses.push(`box mAP drop ${report.map.boxDrop.toFixed(2)} > max-drop ${max.toFixed(2)} points on ${report.map.images} evaluation images`);
    if (report.map.maskDrop !== undefined && report.map.maskDrop > max) misses.push(`mask mAP drop ${report.map.maskDrop.toFixed(2)} > max-drop ${max.toFixed(2)} points on ${report.map.images} evaluation images`);
  } else if (budget.calibrationDrop !== undefined) {
    judgedOn = 'calibration';
    drop = budget.calibrationDrop;
    if (drop > max) misses.push(`${describeCalibrationDrop(budget)} > max-drop ${max.toFixed(2)} points`);
  }
  report.budget = { ...budget, met: misses.length === 0, ...(drop !== undefined ? { drop, judgedOn } : {}) };
  if (misses.length === 0) return;
  report.reasons.push(...misses);
  if (report.verdict !== 'collapsed') report.verdict = 'over-budget';
}

/** "predicted drop 0.60 ± 0.39 points ... (head error x ...)", "estimated drop 0.52 ± 0.70 points on 64 calibration images (label-free: ...)" or "held-out mAP drop 0.30 points on 16 calibration images". */
function describeCalibrationDrop(b: ReportBudget): string {
  const images = b.calibrationImages ? ` on ${b.calibrationImages} calibration images` : '';
  const noise = b.calibrationNoise !== undefined ? ` ± ${b.calibrationNoise.toFixed(2)}` : '';
  if (b.measure === 'mirror-estimate' && b.predicted) {
    const p = b.predicted;
    return `predicted drop ${b.calibrationDrop!.toFixed(2)}${noise} points${images} (head error x ${p.slope.toFixed(2)} points, fitted on the label-free estimates${p.margin ? '; fits with one noise to spare' : ''}; this model's own estimate ${p.estimate.toFixed(2)} ± ${p.estimateNoise.toFixed(2)})`;
  }
  if (b.measure === 'mirror-estimate') {
    return `estimated drop ${b.calibrationDrop!.toFixed(2)}${noise} points${images} (label-free: fp32 on the mirrored images as pseudo labels)`;
  }
  return `held-out mAP drop ${b.calibrationDrop!.toFixed(2)} points${images}`;
}

/** The `yoloe_trt_quantization` metadata quantize() writes, when present. */
function readQuantizationMeta(path: string): { fastDfl?: boolean } | undefined {
  const value = loadOnnxFile(path).metadataProps.find((p) => p.key === 'yoloe_trt_quantization')?.value;
  if (!value) return undefined;
  try {
    return JSON.parse(value) as { fastDfl?: boolean };
  } catch {
    return undefined;
  }
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The headline drop the verdict was judged on, and quantize()'s beside it when that is information only. */
function budgetLines(b: JudgedBudget, evalImages: number | undefined): string[] {
  const head = `budget: max-drop ${b.maxDrop.toFixed(2)} points ${b.met ? 'met' : 'NOT met'}`;
  if (b.judgedOn === 'evaluation') {
    const lines = [`${head}: drop ${b.drop!.toFixed(2)} points (labelled mAP50-95 on ${evalImages} evaluation images)`];
    if (b.calibrationDrop !== undefined) lines.push(`  ${describeCalibrationDrop(b)}: information only, not judged`);
    return lines;
  }
  if (b.judgedOn === 'calibration') return [`${head}: ${describeCalibrationDrop(b)}`];
  return [head];
}

/** The report as text. */
export function formatQuantizationReport(r: QuantizationReport): string {
  const lines = [
    `verdict: ${r.verdict.replace('-', ' ').toUpperCase()}${r.reasons.length ? ` (${r.reasons.join('; ')})` : ''}`,
    ...(r.budget ? budgetLines(r.budget, r.map?.images) : []),
    `file size: ${(r.fp32.bytes / 1e6).toFixed(2)} MB -> ${(r.int8.bytes / 1e6).toFixed(2)} MB (ratio ${r.sizeRatio.toFixed(3)})`,
    `CPU latency (median of ${r.latency.runs}, spinning off, interleaved): fp32 ${r.latency.fp32Ms.toFixed(1)} ms, int8 ${r.latency.int8Ms.toFixed(1)} ms (ratio ${r.latency.ratio.toFixed(3)})`,
    ...(r.latency.sameGraph
      ? [`  against the fp32 graph with the same float rewrites (fast DFL): fp32 ${r.latency.sameGraph.fp32Ms.toFixed(1)} ms (ratio ${r.latency.sameGraph.ratio.toFixed(3)})`]
      : []),
    `agreement on ${r.check.images} image(s) at conf 0.25: ${r.check.agreement.matched}/${r.check.agreement.fp32Detections} fp32 detections kept (${pct(r.check.agreement.kept)}; >= 0.5: ${pct(r.check.agreement.keptConfident)}), mean |score diff| ${r.check.agreement.meanScoreDiff.toFixed(4)}, mean IoU ${r.check.agreement.meanIou.toFixed(3)}`,
    `score compression: anchors above 0.5 fp32 ${r.scoreCompression.fp32AboveHalf}, int8 ${r.scoreCompression.int8AboveHalf} (ratio ${r.scoreCompression.ratio.toFixed(3)})`,
  ];
  if (r.map) {
    lines.push(`box mAP50-95 on ${r.map.images} image(s): fp32 ${r.map.fp32.box.map.toFixed(4)}, int8 ${r.map.int8.box.map.toFixed(4)} (drop ${r.map.boxDrop.toFixed(2)} points)`);
    if (r.map.maskDrop !== undefined) lines.push(`mask mAP50-95: fp32 ${r.map.fp32.mask!.map.toFixed(4)}, int8 ${r.map.int8.mask!.map.toFixed(4)} (drop ${r.map.maskDrop.toFixed(2)} points)`);
  }
  return lines.join('\n');
}
