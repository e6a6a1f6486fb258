/**
 * Writes a planned Q/DQ layout into the graph: QuantizeLinear -> DequantizeLinear pairs on
 * activations, int8 per-channel weights behind a DequantizeLinear, and the scales as
 * initializers. The result is an ordinary ONNX model that ONNX Runtime and TensorRT load.
 */
import { YoloeTrtError } from '../errors.js';
import { makeTensor, node, tensorToFloat32, type NodeProto, type OnnxModel, type TensorProto } from '../onnx/index.js';
import { paramsSource, type QdqPlan } from './placement.js';
import type { ActivationRange } from './statistics.js';

/** Quantization parameters of one activation tensor. */
export interface QuantParams {
  scale: number;
  zeroPoint: number;
  dtype: 'int8' | 'uint8';
}

const f32 = (x: number) => Math.fround(x);

/** uint8 asymmetric parameters from a range (the range always includes 0, so 0 is exact). */
export function asymmetricParams(range: ActivationRange): QuantParams {
  const lo = Math.min(0, 'amax' in range ? -range.amax : range.min);
  const hi = Math.max(0, 'amax' in range ? range.amax : range.max);
  if (!(hi > lo)) return { scale: 1, zeroPoint: 0, dtype: 'uint8' };
  const scale = f32((hi - lo) / 255);
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale, zeroPoint, dtype: 'uint8' };
}

/** int8 symmetric parameters (zero point 0) from a range. */
export function symmetricParams(range: ActivationRange): QuantParams {
  const amax = 'amax' in range ? range.amax : Math.max(Math.abs(range.min), Math.abs(range.max));
  return { scale: amax > 0 ? f32(amax / 127) : 1, zeroPoint: 0, dtype: 'int8' };
}

/** Symmetric int8 per-channel quantization of a weight along `axis`: values in -127..127. */
export function quantizeWeight(values: Float32Array, dims: number[], axis: number): { q: Int8Array; scales: Float32Array } {
  const channels = dims[axis] ?? 1;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const amax = new Float32Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = Math.abs(values[i]!);
    if (v > amax[c]!) amax[c] = v;
  }
  const scales = amax.map((a) => (a > 0 ? a / 127 : 1));
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scales[c]!)));
  }
  return { q, scales };
}

/** Names for inserted tensors that cannot clash with the graph's own. */
function namer(model: OnnxModel) {
  const used = new Set<string>();
  for (const n of model.graph!.node) for (const t of [...n.input, ...n.output]) used.add(t);
  for (const t of model.graph!.initializer) used.add(t.name ?? '');
  return (base: string) => {
    let name = base;
    for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
    used.add(name);
    return name;
  };
}

/**
 * Applies a plan with the given per-tensor parameters (every planned activation needs one;
 * shared-parameter outputs may be missing).
 */
export function applyQdq(
  model: OnnxModel,
  plan: QdqPlan,
  params: Map<string, QuantParams>,
  /** quantized weights by name, reused across builds of the same model (mixed precision builds many) */
  weightCache: Map<string, { q: Int8Array; scales: Float32Array }> = new Map(),
): OnnxModel {
  const graph = model.graph!;
  const fresh = namer(model);
  const nodes = graph.node.map((n) => ({ ...n, input: [...n.input], output: [...n.output] }));
  const initializers: TensorProto[] = [];
  const removedInitializers = new Set<string>();
  const before = new Map<number, NodeProto[]>(); // insert before node i (-1: at the start)
  const after = new Map<number, NodeProto[]>();
  const push = (map: Map<number, NodeProto[]>, i: number, n: NodeProto) => {
    const list = map.get(i);
    if (list) list.push(n);
    else map.set(i, [n]);
  };
  const paramsOf = (t: string): QuantParams => {
    const p = params.get(t) ?? params.get(paramsSource(plan, t));
    if (!p) throw new YoloeTrtError('ERR_CALIBRATION', `No quantization range for tensor ${t}`);
    return p;
  };
  let outputs = graph.output;

  for (const [tensor, consumers] of plan.activations) {
    const p = paramsOf(tensor);
    const scale = fresh(`${tensor}_scale`);
    const zp = fresh(`${tensor}_zero_point`);
    initializers.push(makeTensor(scale, 'float32', [], [p.scale]), makeTensor(zp, p.dtype, [], [p.zeroPoint]));
    const q = fresh(`${tensor}_quantized`);
    const producer = plan.index.producer.get(tensor);
    if (consumers === 'all' && producer !== undefined) {
      // the producer writes a new name; the DQ takes over the tensor's name, so every reader
      // (graph outputs included) gets the dequantized value without rewiring
      const raw = fresh(`${tensor}_float`);
      const prod = nodes[producer]!;
      prod.output = prod.output.map((o) => (o === tensor ? raw : o));
      push(after, producer, node('QuantizeLinear', [raw, scale, zp], [q], {}, `${tensor}_QuantizeLinear`));
      push(after, producer, node('DequantizeLinear', [q, scale, zp], [tensor], {}, `${tensor}_DequantizeLinear`));
    } else {
      const dq = fresh(`${tensor}_dequantized`);
      const readers = consumers === 'all' ? (plan.index.consumers.get(tensor) ?? []) : consumers;
      for (const r of readers) nodes[r]!.input = nodes[r]!.input.map((t) => (t === tensor ? dq : t));
      const at = producer ?? -1;
      push(after, at, node('QuantizeLinear', [tensor, scale, zp], [q], {}, `${tensor}_QuantizeLinear`));
      push(after, at, node('DequantizeLinear', [q, scale, zp], [dq], {}, `${tensor}_DequantizeLinear`));
      if (consumers === 'all' && plan.index.graphOutputs.has(tensor)) outputs = outputs.map((o) => (o.name === tensor ? { ...o, name: dq } : o));
    }
  }

  const done = new Set<string>();
  for (const w of plan.weights) {
    const name = nodes[w.node]!.input[w.input]!;
    if (done.has(name)) continue;
    done.add(name);
    const init = graph.initializer.find((t) => t.name === name)!;
    const dims = init.dims.map(Number);
    let cached = weightCache.get(name);
    if (!cached) {
      cached = quantizeWeight(tensorToFloat32(init), dims, w.axis);
      weightCache.set(name, cached);
    }
    const { q, scales } = cached;
    const qName = fresh(`${name}_quantized`);
    const sName = fresh(`${name}_scale`);
    const zName = fresh(`${name}_zero_point`);
    initializers.push(makeTensor(qName, 'int8', dims, q), makeTensor(sName, 'float32', [scales.length], scales), makeTensor(zName, 'int8', [scales.length], new Int8Array(scales.length)));
    removedInitializers.add(name);
    // the DQ output takes the weight's name: every node using the weight reads it unchanged
    push(before, -1, node('DequantizeLinear', [qName, sName, zName], [name], { axis: w.axis }, `${name}_DequantizeLinear`));
  }

  const ordered: NodeProto[] = [...(before.get(-1) ?? []), ...(after.get(-1) ?? [])];
  nodes.forEach((n, i) => ordered.push(n, ...(after.get(i) ?? [])));
  return {
    ...model,
    graph: {
      ...graph,
      node: ordered,
      initializer: [...graph.initializer.filter((t) => !removedInitializers.has(t.name ?? '')), ...initializers],
      input: graph.input.filter((v) => !removedInitializers.has(v.name ?? '')),
      output: outputs,
    },
  };
}
