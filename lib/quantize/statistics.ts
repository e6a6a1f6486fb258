/**
 * Activation statistics: exposes the tensors to calibrate as extra outputs, runs the
 * calibration batches through ONE ONNX Runtime session and folds every batch into per-tensor
 * histograms at once (activations are never kept: memory is independent of the set size).
 */
import { YoloeTrtError } from '../errors.js';
import { CpuBackend } from '../backends/cpu.js';
import { addIntermediateOutputs, writeOnnx, type OnnxModel } from '../onnx/index.js';
import type { Tensor } from '../types.js';
import { entropyRange, minmaxRange, percentileRange, type AsymmetricRange, type SymmetricRange } from './calibrators.js';
import { AbsHistogram, RangeHistogram } from './histogram.js';
import { mseRange } from './mse-range.js';
import { addChannelMean, type ChannelMean } from './bias-correction.js';

export type CalibrationMethod = 'minmax' | 'entropy' | 'percentile' | 'mse';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'entropy', 'percentile', 'mse'];

export interface TensorStatistics {
  /** |x| histogram (symmetric ranges, entropy) */
  abs?: AbsHistogram;
  /** signed histogram (asymmetric ranges) */
  range?: RangeHistogram;
}

export interface CollectOptions {
  /** which histograms to keep: 'abs' (symmetric), 'range' (asymmetric) or 'both'; default 'both' */
  histograms?: 'abs' | 'range' | 'both';
  /** ONNX Runtime threads; default ONNX Runtime's choice */
  threads?: number;
  /** called after every batch with the number of images done */
  onProgress?: (done: number) => void;
  /** histograms of an earlier call to keep accumulating into (same tensors); default: fresh ones */
  into?: Map<string, TensorStatistics>;
  /** per-channel means to accumulate too (bias correction): its keys name the NCHW tensors, its values are filled in */
  channelMeans?: Map<string, ChannelMean | undefined>;
}

/**
 * Runs `batches` through `model` with `tensors` added as outputs and accumulates their histograms.
 * The graph input is the model's first input; graph inputs among `tensors` are read from the feed.
 * @example const stats = await collectStatistics(model, ['/model.0/conv/Conv_output_0'], set.batches(1));
 */
export async function collectStatistics(
  model: OnnxModel,
  tensors: string[],
  batches: Iterable<Tensor> | AsyncIterable<Tensor>,
  options: CollectOptions = {},
): Promise<Map<string, TensorStatistics>> {
  const graph = model.graph;
  if (!graph) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX model has no graph');
  const inputName = graph.input.find((v) => !graph.initializer.some((t) => t.name === v.name))?.name;
  if (!inputName) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX model has no graph input');
  const kind = options.histograms ?? 'both';
  const meanNames = [...(options.channelMeans?.keys() ?? [])];
  const all = [...tensors, ...meanNames];
  const fromFeed = [...new Set(all.filter((t) => t === inputName))];
  const fromRun = [...new Set(all.filter((t) => t !== inputName))];
  const stats = options.into ?? new Map<string, TensorStatistics>();
  for (const t of tensors) {
    if (stats.has(t)) continue;
    stats.set(t, {
      ...(kind !== 'range' ? { abs: new AbsHistogram() } : {}),
      ...(kind !== 'abs' ? { range: new RangeHistogram() } : {}),
    });
  }
  const add = (name: string, data: Tensor['data'], dims: readonly number[]) => {
    if (!(data instanceof Float32Array)) return;
    const s = stats.get(name);
    s?.abs?.add(data);
    s?.range?.add(data);
    if (options.channelMeans?.has(name)) options.channelMeans.set(name, addChannelMean(options.channelMeans.get(name), data, dims));
  };
  const extraFeeds = embeddingPlaceholders(graph, inputName);
  const backend = await CpuBackend.create(writeOnnx(addIntermediateOutputs(model, fromRun)), options.threads ? { threads: options.threads } : {});
  let done = 0;
  try {
    for await (const batch of batches) {
      for (const name of fromFeed) add(name, batch.data, batch.dims);
      if (fromRun.length > 0) {
        const outputs = await backend.run({ [inputName]: batch, ...extraFeeds }, fromRun);
        for (const name of fromRun) add(name, outputs[name]!.data, outputs[name]!.dims);
      }
      done += batch.dims[0] ?? 1;
      options.onProgress?.(done);
    }
  } finally {
    await backend.dispose();
  }
  if (done === 0) throw new YoloeTrtError('ERR_CALIBRATION', 'The calibration set produced no batches');
  return stats;
}

/**
 * Run-time-vocabulary models take class embeddings `[1, K, D]` beside the image. Nothing computed
 * from them is quantized (placement.ts embeddingsDownstream keeps it float), so no calibrated
 * tensor depends on their values: one zero embedding (K = 1) lets the graph run.
 */
function embeddingPlaceholders(graph: NonNullable<OnnxModel['graph']>, imageInput: string): Record<string, Tensor> {
  const feeds: Record<string, Tensor> = {};
  for (const v of graph.input) {
    const dims = v.type?.tensorType?.shape?.dim ?? [];
    const d = dims[2]?.dimValue;
    if (v.name === imageInput || graph.initializer.some((t) => t.name === v.name) || dims.length !== 3 || d === undefined) continue;
    const dim = Number(d);
    feeds[v.name!] = { dtype: 'float32', dims: [1, 1, dim], data: new Float32Array(dim) };
  }
  return feeds;
}

/** A quantization range: symmetric `{ amax }` (int8) or asymmetric `{ min, max }` (uint8). */
export type ActivationRange = SymmetricRange | AsymmetricRange;

/**
 * Ranges by method. Symmetric ranges come from the |x| histogram, asymmetric ones from the
 * signed histogram; entropy is symmetric by nature, so its asymmetric form clips the observed
 * [min, max] to [-amax, amax].
 * @param percentile for 'percentile'; default 99.999 (99.99 clips activations that carry detections)
 */
export function computeRanges(
  stats: Map<string, TensorStatistics>,
  method: CalibrationMethod,
  mode: 'symmetric' | 'asymmetric',
  percentile = 99.999,
): Map<string, ActivationRange> {
  const ranges = new Map<string, ActivationRange>();
  for (const [name, s] of stats) {
    const hist = mode === 'symmetric' ? s.abs : s.range;
    if (!hist) throw new YoloeTrtError('ERR_CALIBRATION', `No ${mode} statistics were collected for ${name}`);
    if (hist.count === 0) throw new YoloeTrtError('ERR_CALIBRATION', `No activation values were collected for ${name}`);
    let range: ActivationRange;
    if (method === 'minmax') {
      range = mode === 'symmetric' ? minmaxRange(hist) : minmaxRange(hist, 'asymmetric');
    } else if (method === 'mse') {
      range = mode === 'symmetric' ? mseRange(s.abs!) : mseRange(s.range!);
    } else if (method === 'percentile') {
      range = mode === 'symmetric' ? percentileRange(s.abs!, percentile) : percentileRange(s.range!, percentile);
    } else {
      if (!s.abs) throw new YoloeTrtError('ERR_CALIBRATION', `Entropy calibration needs the |x| histogram of ${name}`);
      const { amax } = entropyRange(s.abs);
      range = mode === 'symmetric' ? { amax } : { min: Math.max(hist.min, -amax), max: Math.min(hist.max, amax) };
    }
    ranges.set(name, range);
  }
  return ranges;
}
