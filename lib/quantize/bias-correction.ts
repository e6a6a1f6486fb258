/**
 * Bias correction (Nagel et al., "Data-Free Quantization", 2019, empirical form): int8 weights
 * shift a conv's mean output per channel by (W_q - W) . E[x]; subtracting that shift from the
 * float bias removes the systematic part of the weight error. E[x] is each input channel's mean
 * over the calibration images (border padding ignored).
 */
import { makeTensor, tensorToFloat32, type OnnxModel, type TensorProto } from '../onnx/index.js';
import type { QdqPlan } from './placement.js';
import { quantizeWeight } from './qdq-write.js';

/** Per-channel running sum of an NCHW tensor (filled by collectStatistics' `channelMeans`). */
export interface ChannelMean {
  sum: Float64Array;
  /** values per channel summed so far */
  count: number;
}

/** Adds an NCHW (or NC) batch to a channel mean. */
export function addChannelMean(into: ChannelMean | undefined, data: Float32Array, dims: readonly number[]): ChannelMean {
  const channels = Number(dims[1] ?? 1);
  const inner = dims.slice(2).reduce<number>((a, d) => a * Number(d), 1);
  const batch = Number(dims[0] ?? 1);
  const mean = into && into.sum.length === channels ? into : { sum: new Float64Array(channels), count: 0 };
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < channels; c++) {
      let s = 0;
      const base = (n * channels + c) * inner;
      for (let k = 0; k < inner; k++) s += data[base + k]!;
      mean.sum[c]! += s;
    }
  }
  mean.count += batch * inner;
  return mean;
}

/** Conv input tensors whose channel means bias correction needs. */
export function biasCorrectionInputs(plan: QdqPlan): string[] {
  const nodes = plan.index.graph.node;
  return [...new Set(plan.weights.filter((w) => nodes[w.node]!.opType === 'Conv' && nodes[w.node]!.input[2]).map((w) => nodes[w.node]!.input[0]!))];
}

/**
 * The model with the bias of every quantized Conv of `plan` corrected for its int8 weights
 * (weights as applyQdq writes them: `weightCache`, else quantized here). Convs without a bias
 * initializer or without channel means are left alone; the graph's structure is unchanged.
 */
export function correctBiases(
  model: OnnxModel,
  plan: QdqPlan,
  means: Map<string, ChannelMean>,
  weightCache: Map<string, { q: Int8Array; scales: Float32Array }> = new Map(),
): OnnxModel {
  const graph = model.graph!;
  const byName = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  const replaced = new Map<string, TensorProto>();
  for (const w of plan.weights) {
    const n = plan.index.graph.node[w.node]!;
    if (n.opType !== 'Conv' || w.axis !== 0) continue;
    const weight = byName.get(n.input[1]!);
    const bias = byName.get(n.input[2] ?? '');
    const mean = means.get(n.input[0]!);
    if (!weight || !bias || !mean || mean.count === 0 || replaced.has(bias.name!)) continue;
    const dims = weight.dims.map(Number);
    const values = tensorToFloat32(weight);
    let q = weightCache.get(weight.name!);
    if (!q) {
      q = quantizeWeight(values, dims, 0);
      weightCache.set(weight.name!, q);
    }
    const cout = dims[0]!;
    const cinPerGroup = dims[1]!;
    const kernel = dims.slice(2).reduce((a, d) => a * d, 1);
    const groups = Number(n.attribute.find((a) => a.name === 'group')?.i ?? 1);
    const perGroupOut = cout / groups;
    const b = tensorToFloat32(bias).slice();
    for (let c = 0; c < cout; c++) {
      const firstIn = Math.floor(c / perGroupOut) * cinPerGroup;
      const scale = q.scales[c]!;
      let shift = 0;
      for (let j = 0; j < cinPerGroup; j++) {
        const mu = mean.sum[firstIn + j]! / mean.count;
        let dw = 0;
        const base = (c * cinPerGroup + j) * kernel;
        for (let k = 0; k < kernel; k++) dw += q.q[base + k]! * scale - values[base + k]!;
        shift += dw * mu;
      }
      b[c] = b[c]! - shift;
    }
    replaced.set(bias.name!, makeTensor(bias.name!, 'float32', bias.dims.map(Number), b));
  }
  if (replaced.size === 0) return model;
  return { ...model, graph: { ...graph, initializer: graph.initializer.map((t) => replaced.get(t.name ?? '') ?? t) } };
}
