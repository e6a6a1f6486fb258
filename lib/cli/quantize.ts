import { readSourceFileSync } from '../fs/source-file.js';
import { checkOutputPath } from '../fs/atomic-write.js';
import { loadModel } from '../model.js';
import { renameSync, rmSync } from 'node:fs';
import { YoloeTrtError } from '../errors.js';
import { listCalibrationImages } from '../quantize/calibration-set.js';
import { loadEvaluationData } from '../quantize/evaluate-model.js';
import { quantize, type QuantizeResult } from '../quantize/qdq.js';
import { QUANTIZE_TARGETS, type QuantizeTarget } from '../quantize/placement.js';
import { formatQuantizationReport, quantizationReport } from '../quantize/report.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from '../quantize/statistics.js';
import { importTrtCache } from '../quantize/trt-import.js';
import { writeQuantizationHtml } from '../report/quantize-html.js';
import { numberFlag, parseCommand, requireFlag } from './args.js';
import { readNamesFile } from './names.js';
import { VOCABULARY_FLAG_SPECS, noVocabularyFlagsError, openVocabularyFlags, vocabularyEmbeddings } from './vocabulary-flags.js';

export const quantizeUsage = `yoloe-trt quantize <model.onnx> --calib DIR --out M.int8.onnx [options]

  --calib DIR        calibration images (a folder)
  --out FILE         where to write the Q/DQ ONNX
  --target T         cpu (ONNX Runtime int8 kernels) | tensorrt (explicit Q/DQ) (default cpu)
  --method M         percentile | entropy | minmax | mse (default percentile 99.999; mse: per-tensor
                     percentile by expected quantization error)
  --bias-correction  fold the mean output shift of int8 weights into each conv's float bias
  --count N          calibration images to sample (default min(500, available))
  --seed N           sampling seed (default 0)
  --max-drop X       keep the most sensitive layers float until the held-out mAP drop <= X points;
                     a missed budget is the verdict OVER BUDGET: exit non-zero and the model is not
                     written. Judged on --eval's labelled box / mask drop when given (the held-out
                     drop is then shown as information), else on the held-out drop
  --allow-over-budget  write the best-effort model anyway when the budget is missed (verdict still OVER BUDGET)
  --holdout N        calibration images held out to judge --max-drop (default max(4, a quarter))
  --calib-labels D   labels of the calibration images (COCO JSON / data YAML) for --max-drop; without
                     them the held-out drop is a label-free estimate (fp32 on the mirrored images as
                     pseudo labels), printed with its bootstrap noise
  --pseudo-conf X    score above which fp32's detections on the mirrored images are pseudo labels
                     (default 0.25)
  --silu-floor X     cpu: floor of SiLU input ranges, a negative number or 'off' (default -8)
  --exclude NAMES    node names to keep float, comma-separated
  --exclude-op OPS   op types to keep float, comma-separated
  --exclude-pattern RE  node-name regular expression to keep float
  --trt-cache FILE   import a TensorRT calibration cache instead of calibrating (tensorrt target)
  --check FILE       only report on an existing INT8 model against <model.onnx>
  run-time-vocabulary models (a class-embeddings input): the classes the report compares on
  --prompts LIST     comma-separated classes ("person,bus")
  --text-encoder F   text encoder ONNX that embeds --prompts; --adapter F: the detector's text adapter
  --vocab FILE       the CLIP BPE file (default: found beside the text encoder)
  --embeddings F     class embeddings: .npy float32 [K, D] / [1, K, D] (names from --names or
                     --prompts), or JSON {"names": [...], "embeddings": [[...], ...]}
  --names FILE       class names, one per line, for --embeddings .npy
  --eval DATA        box / mask mAP of both models on this dataset (COCO JSON / data YAML)
  --images DIR       image folder of --eval data; --labels DIR: its YOLO labels
  --limit N          evaluate at most N images
  --latency-runs N   timed runs per model for the latency ratio (default 20)
  --report DIR       write DIR/report.html: FP32 vs INT8 PR curves (with --eval), per-layer sensitivity
                     with size and latency costs (with --max-drop), score-compression histogram
  --json             print the result as JSON
Exits non-zero (ERR_QUANTIZATION) when the INT8 model's outputs collapse, or when --max-drop is missed
(unless --allow-over-budget).`;

const list = (v: string | undefined) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

function summary(r: QuantizeResult) {
  return {
    written: r.output !== undefined,
    output: r.output,
    target: r.target,
    method: r.method,
    calibrationImages: r.calibrationImages.length,
    heldOutImages: r.heldOutImages.length,
    counts: r.counts,
    floatByDefault: r.floatByDefault,
    excluded: r.excluded,
    floatLayers: r.floatLayers,
    uncovered: r.uncovered.length,
    ...(r.mixedPrecision ? { mixedPrecision: { ...r.mixedPrecision, sensitivities: r.mixedPrecision.sensitivities.slice(0, 16) } } : {}),
    ...(r.layerCosts ? { layerCosts: r.layerCosts } : {}),
    ...(r.budget ? { budget: r.budget } : {}),
  };
}

/** What quantize()'s search measured on its held-out images (the estimate's noise, and the agreement proxy as information). */
function heldOutLine(mp: NonNullable<QuantizeResult['mixedPrecision']>): string {
  const noise = (v: number | undefined) => (v === undefined ? '' : ` ± ${v.toFixed(2)}`);
  const what = mp.measure === 'map' ? `held-out labelled mAP drop on ${mp.heldOutImages} images` : `estimated drop (label-free) on ${mp.heldOutImages} calibration images`;
  const agreement = mp.agreementDrop ? `; agreement proxy ${mp.agreementDrop.full.toFixed(2)} -> ${mp.agreementDrop.final.toFixed(2)} (information only: overstates)` : '';
  const predicted = mp.slope !== undefined ? ` predicted from the head error (x ${mp.slope.toFixed(2)}${mp.margin ? ', one noise to spare' : ''}; its own estimate ${mp.estimate ? `${mp.estimate.drop.toFixed(2)}${noise(mp.estimate.noise)}` : '-'})` : '';
  return `search: ${what}: all int8 ${mp.fullDrop.toFixed(2)}${noise(mp.fullNoise)} -> ${mp.finalDrop.toFixed(2)}${noise(mp.finalNoise)} points${predicted}${mp.met ? '' : ' (search: budget NOT met)'}${agreement}`;
}

/** Quantizes (or checks) a model and prints the FP32 vs INT8 report; collapsed outputs fail loudly. */
export async function quantizeCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    calib: { type: 'string' },
    out: { type: 'string', short: 'o' },
    target: { type: 'string' },
    method: { type: 'string' },
    count: { type: 'string' },
    seed: { type: 'string' },
    'max-drop': { type: 'string' },
    'allow-over-budget': { type: 'boolean' },
    'bias-correction': { type: 'boolean' },
    holdout: { type: 'string' },
    'calib-labels': { type: 'string' },
    'pseudo-conf': { type: 'string' },
    'silu-floor': { type: 'string' },
    exclude: { type: 'string' },
    'exclude-op': { type: 'string' },
    'exclude-pattern': { type: 'string' },
    'trt-cache': { type: 'string' },
    check: { type: 'string' },
    eval: { type: 'string' },
    images: { type: 'string' },
    labels: { type: 'string' },
    limit: { type: 'string' },
    'latency-runs': { type: 'string' },
    report: { type: 'string' },
    json: { type: 'boolean' },
    ...VOCABULARY_FLAG_SPECS,
  });
  if (values.help) {
    out.write(`${quantizeUsage}\n`);
    return;
  }
  if (positionals.length !== 1) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected one model path for quantize but received ${positionals.length}`);
  const fp32 = positionals[0]!;
  const target = (values.target ?? 'cpu') as QuantizeTarget;
  if (!QUANTIZE_TARGETS.includes(target)) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected one of ${QUANTIZE_TARGETS.join(', ')} for --target but received ${JSON.stringify(values.target)}`, { option: 'target' });
  const method = (values.method ?? 'percentile') as CalibrationMethod;
  if (!CALIBRATION_METHODS.includes(method)) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected one of ${CALIBRATION_METHODS.join(', ')} for --method but received ${JSON.stringify(values.method)}`, { option: 'method' });
  const progress = values.json ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
  // before minutes of calibration: a bad --out, or a model that is no YOLO head, fails now and writes nothing
  if (!values.check && values.out) checkOutputPath(values.out, { inputs: [fp32], option: '--out' });
  const model = await loadModel(fp32, { backend: 'cpu' });
  const runtimeVocabulary = model.info.vocabulary.kind === 'runtime';
  await model.dispose();
  // the classes the report compares both models on, read (and embedded) before calibrating
  const opened = await openVocabularyFlags(values);
  let vocabulary: Awaited<ReturnType<typeof vocabularyEmbeddings>>;
  try {
    if (runtimeVocabulary && !opened.wanted) throw noVocabularyFlagsError(fp32);
    if (!runtimeVocabulary && opened.wanted) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a run-time-vocabulary model (a class-embeddings input) with --prompts / --embeddings but ${fp32} has fixed classes`, { option: values.prompts !== undefined ? 'prompts' : 'embeddings' });
    }
    vocabulary = await vocabularyEmbeddings(values, values.names ? await readNamesFile(values.names) : undefined, opened);
  } finally {
    await opened.textEncoder?.dispose();
  }

  if (values['max-drop'] !== undefined && (values.check || values['trt-cache']) && !values.eval) {
    // nothing else would measure the drop: a budget that is never checked must not read as met
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected --eval DATA with --max-drop for ${values.check ? '--check' : '--trt-cache'} but received none`, { option: 'eval' });
  }
  let result: QuantizeResult | undefined;
  let int8: string;
  /** where the new model goes once it passed (written next to it first, renamed into place) */
  let destination: string | undefined;
  const maxDrop = numberFlag('max-drop', values['max-drop']);
  if (values.check) {
    int8 = values.check;
  } else {
    destination = requireFlag('out', values.out);
    int8 = `${destination}.partial-${process.pid}`;
    const exclude = { names: list(values.exclude), opTypes: list(values['exclude-op']), patterns: values['exclude-pattern'] ? [values['exclude-pattern']] : undefined };
    if (values['trt-cache']) {
      result = await importTrtCache(fp32, readSourceFileSync(values['trt-cache'], 'TensorRT calibration cache', 256 * 2 ** 20).toString('utf8'), int8, { exclude });
    } else {
      const labels = values['calib-labels'] ? await loadEvaluationData(values['calib-labels']) : undefined;
      result = await quantize({
        onnx: fp32,
        output: int8,
        target,
        method,
        calibration: { images: requireFlag('calib', values.calib), count: numberFlag('count', values.count), seed: numberFlag('seed', values.seed) },
        maxDrop,
        holdout: numberFlag('holdout', values.holdout),
        ...(values['pseudo-conf'] !== undefined ? { pseudoConf: numberFlag('pseudo-conf', values['pseudo-conf']) } : {}),
        ...(values['bias-correction'] ? { biasCorrection: true } : {}),
        ...(values['silu-floor'] !== undefined ? { siluInputFloor: values['silu-floor'] === 'off' ? null : numberFlag('silu-floor', values['silu-floor']) } : {}),
        ...(labels ? { labels } : {}),
        exclude,
        onProgress: progress,
      });
    }
  }
  // the agreement images: held-out calibration images, else the first calibration images
  const checkImages = result?.heldOutImages.length ? result.heldOutImages : result?.calibrationImages.length ? result.calibrationImages.slice(0, 8) : listCalibrationImages(requireFlag('calib', values.calib)).slice(0, 8);
  const evaluation = values.eval
    ? { data: await loadEvaluationData(values.eval, { imagesDir: values.images, labelsDir: values.labels }), limit: numberFlag('limit', values.limit) }
    : undefined;
  const latencyRuns = numberFlag('latency-runs', values['latency-runs']);
  if (latencyRuns !== undefined && !(Number.isInteger(latencyRuns) && latencyRuns > 0)) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a positive integer for --latency-runs but received ${latencyRuns}`, { option: 'latency-runs' });
  const budget = maxDrop === undefined ? undefined : result?.budget
    ? {
        maxDrop,
        calibrationDrop: result.budget.drop,
        ...(result.budget.noise !== undefined ? { calibrationNoise: result.budget.noise } : {}),
        measure: result.budget.measure,
        calibrationImages: result.budget.images,
        ...(result.budget.predicted && result.budget.estimate ? { predicted: { ...result.budget.predicted, estimate: result.budget.estimate.drop, estimateNoise: result.budget.estimate.noise } } : {}),
      }
    : { maxDrop };
  let report;
  try {
    report = await quantizationReport({ fp32, int8, images: checkImages, ...(vocabulary ? { vocabulary } : {}), ...(evaluation ? { evaluation } : {}), ...(latencyRuns ? { latencyRuns } : {}), ...(budget ? { budget } : {}), onProgress: progress });
  } catch (e) {
    if (destination) rmSync(int8, { force: true });
    throw e;
  }
  const html = values.report !== undefined ? writeQuantizationHtml(values.report, report, result) : undefined;
  const overBudget = report.verdict === 'over-budget';
  const keep = destination !== undefined && report.verdict !== 'collapsed' && (!overBudget || values['allow-over-budget'] === true);
  if (destination) {
    if (keep) renameSync(int8, destination);
    else rmSync(int8, { force: true });
    report.int8.path = destination;
    if (result) result.output = keep ? destination : undefined;
  }
  if (values.json) {
    const map = report.map
      ? { images: report.map.images, boxDrop: report.map.boxDrop, maskDrop: report.map.maskDrop, fp32: { box: report.map.fp32.box.map, mask: report.map.fp32.mask?.map }, int8: { box: report.map.int8.box.map, mask: report.map.int8.mask?.map } }
      : undefined;
    out.write(`${JSON.stringify({ ...(result ? { quantize: summary(result) } : {}), report: { ...report, map }, ...(html ? { html } : {}) })}\n`);
  } else {
    if (result) {
      out.write(`${keep ? 'wrote' : 'did NOT write'} ${destination}: ${result.counts.quantizeLinear} QuantizeLinear, ${result.counts.weights} int8 weights (${result.target}, ${result.method})\n`);
      out.write(`float by default: ${result.floatByDefault.join(', ') || 'none'}\n`);
      if (result.floatLayers.length) out.write(`kept float for accuracy: ${result.floatLayers.join(', ')}\n`);
      if (result.mixedPrecision) out.write(`${heldOutLine(result.mixedPrecision)}\n`);
      if (result.layerCosts) for (const l of result.layerCosts.layers) out.write(`  ${l.name}: +${l.ms.toFixed(2)} ms, +${(l.bytes / 1e3).toFixed(1)} kB\n`);
    }
    out.write(`${formatQuantizationReport(report)}\n`);
    if (html) out.write(`report: ${html}\n`);
  }
  if (report.check.verdict === 'collapsed') {
    throw new YoloeTrtError('ERR_QUANTIZATION', `The INT8 model's outputs COLLAPSED: ${report.check.reasons.join('; ')}. Do not deploy ${destination ?? int8}${destination ? ' (not written)' : ''}.`, { verdict: report.check });
  }
  if (overBudget) {
    const why = report.reasons.filter((r) => /max-drop/.test(r)).join('; ');
    if (keep) out.write(`OVER BUDGET: ${why}; wrote the best effort to ${destination} anyway (--allow-over-budget)\n`);
    else {
      throw new YoloeTrtError(
        'ERR_QUANTIZATION',
        `OVER BUDGET: ${why}. ${destination ? `${destination} was not written; --allow-over-budget writes the best effort` : `Do not deploy ${int8}`}.`,
        { verdict: 'over-budget', budget: report.budget },
      );
    }
  }
}
