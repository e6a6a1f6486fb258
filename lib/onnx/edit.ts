/**
 * Graph edits: expose activations as outputs (calibration), list nodes, convert to FP16
 * (TensorRT 11's strongly typed FP16 path). Edits return a new model and leave the input
 * model unchanged; untouched messages are shared, not copied.
 */
import { YoloeTrtError, invalidOption } from '../errors.js';
import { attribute, node as makeNode } from './build.js';
import { toHalfArrayClamped } from '../image/fp16.js';
import { inferElemTypes } from './infer-types.js';
import { DataType, type GraphProto, type NodeProto, type OnnxModel, type TensorProto, type ValueInfoProto } from './proto-types.js';
import { makeTensor, tensorToFloat32 } from './tensor.js';

function requireGraph(model: OnnxModel): GraphProto {
  if (!model?.graph) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX model has no graph');
  return model.graph;
}

function withGraph(model: OnnxModel, graph: GraphProto): OnnxModel {
  return { ...model, graph };
}

function typedValueInfo(name: string, elemType: number, like?: ValueInfoProto): ValueInfoProto {
  const shape = like?.type?.tensorType?.shape;
  return { name, type: { tensorType: shape ? { elemType, shape } : { elemType } } };
}

/**
 * Adds graph outputs for intermediate tensors (activations), e.g. to collect calibration
 * statistics. Each new output gets the tensor's element type (float when it cannot be told)
 * and its shape when value_info records one. Names already output are left as they are.
 * @example addIntermediateOutputs(model, ['/model.0/conv/Conv_output_0'])
 * @throws YoloeTrtError ERR_INVALID_OPTION when a name is produced by no node
 */
export function addIntermediateOutputs(model: OnnxModel, tensorNames: string[]): OnnxModel {
  const graph = requireGraph(model);
  if (!Array.isArray(tensorNames) || !tensorNames.every((n) => typeof n === 'string')) {
    throw invalidOption('tensorNames', 'an array of tensor names', tensorNames);
  }
  const produced = new Set(graph.node.flatMap((n) => n.output));
  const existing = new Set(graph.output.map((o) => o.name));
  const valueInfo = new Map(graph.valueInfo.map((v) => [v.name, v]));
  const types = inferElemTypes(graph);
  const added: ValueInfoProto[] = [];
  for (const name of tensorNames) {
    if (!produced.has(name)) throw invalidOption('tensorNames', 'names of tensors produced by nodes of the graph', name);
    if (existing.has(name)) continue;
    existing.add(name);
    added.push(typedValueInfo(name, types.get(name) ?? DataType.FLOAT, valueInfo.get(name)));
  }
  return withGraph(model, { ...graph, output: [...graph.output, ...added] });
}

export interface NodeFilter {
  /** keep nodes whose op type is one of these */
  opTypes?: string[];
  /** keep nodes whose name matches (a RegExp, or a substring) */
  namePattern?: RegExp | string;
}

/**
 * Nodes of the main graph matching a filter, in graph order.
 * @example listNodes(model, { opTypes: ['Conv'], namePattern: /model\.22/ })
 */
export function listNodes(model: OnnxModel, filter: NodeFilter = {}): NodeProto[] {
  const graph = requireGraph(model);
  const ops = filter.opTypes ? new Set(filter.opTypes) : undefined;
  const pattern = filter.namePattern;
  return graph.node.filter((n) => {
    if (ops && !ops.has(n.opType ?? '')) return false;
    if (pattern === undefined) return true;
    const name = n.name ?? '';
    return typeof pattern === 'string' ? name.includes(pattern) : pattern.test(name);
  });
}

// ------------------------------------------------------------------------------ FP16

export interface Fp16Options {
  /** keep float graph inputs/outputs fp32, with Casts inside the graph; default true */
  keepIoTypes?: boolean;
  /** op types to keep in fp32 (Casts around them); Q/DQ ops always are */
  blockOps?: string[];
  /** node names to keep in fp32 */
  blockNodes?: string[];
}

/** Float inputs that ONNX types as float32 whatever the data type (Resize/Upsample scales). */
const FP32_ONLY_INPUTS: Record<string, number[]> = { Resize: [2], Upsample: [1] };

/**
 * Quantization ops stay fp32: their scales are float32-only (QLinear*, and Q/DQ before opset
 * 19), and a scale's type sets the output type.
 */
const ALWAYS_FP32_OPS = ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear'];
const isQuantizedOp = (op: string) => op.startsWith('QLinear') || op.endsWith('Integer');

type Precision = 'h' | 'f';

function tensorToHalf(t: TensorProto): TensorProto {
  const half = makeTensor(t.name ?? '', 'float16', t.dims.map(Number), toHalfArrayClamped(tensorToFloat32(t)));
  if (t.docString !== undefined) half.docString = t.docString;
  return half;
}

function setElemType(v: ValueInfoProto, elemType: number): ValueInfoProto {
  const tensorType = v.type?.tensorType;
  if (!tensorType) return v;
  return { ...v, type: { ...v.type, tensorType: { ...tensorType, elemType } } };
}

/** A name not used yet in the graph. */
function uniqueName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 1; used.has(name); i++) name = `${base}_${i}`;
  used.add(name);
  return name;
}

/**
 * Converts a float32 model to float16: float initializers become fp16 (clamped to ±65504),
 * Cast-to-float and float Constants become fp16, and Casts are inserted wherever an fp16
 * tensor meets an fp32 one (blocked ops, Resize scales, and, with keepIoTypes, the graph's
 * inputs and outputs). The result is a strongly typed FP16 graph for TensorRT 11.
 * Models with subgraphs (If / Loop / Scan) are refused.
 * @example convertToFp16(model, { keepIoTypes: true, blockOps: ['Resize'] })
 */
export function convertToFp16(model: OnnxModel, opts: Fp16Options = {}): OnnxModel {
  const graph = requireGraph(model);
  const keepIoTypes = opts.keepIoTypes ?? true;
  if (typeof keepIoTypes !== 'boolean') throw invalidOption('keepIoTypes', 'a boolean', keepIoTypes);
  const blockOps = new Set([...ALWAYS_FP32_OPS, ...(opts.blockOps ?? [])]);
  const blockNodes = new Set(opts.blockNodes ?? []);
  for (const n of graph.node) {
    if (n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0)) {
      throw new YoloeTrtError('ERR_MODEL_FORMAT', `FP16 conversion does not support subgraphs (node "${n.name ?? ''}", ${n.opType})`);
    }
  }
  const types = inferElemTypes(graph);
  const isFloat = (name: string) => name !== '' && types.get(name) === DataType.FLOAT;
  const blocked = (n: NodeProto) => blockOps.has(n.opType ?? '') || isQuantizedOp(n.opType ?? '') || blockNodes.has(n.name ?? '');
  const wantAt = (n: NodeProto, slot: number): Precision => (blocked(n) || FP32_ONLY_INPUTS[n.opType ?? '']?.includes(slot) ? 'f' : 'h');

  // where each float tensor comes from, at what precision
  const state = new Map<string, Precision>();
  const graphInputs = new Set(graph.input.map((v) => v.name ?? ''));
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? '', t]));
  for (const name of graphInputs) if (isFloat(name) && !initializers.has(name)) state.set(name, keepIoTypes ? 'f' : 'h');
  // an initializer goes fp16 when any consumer wants fp16
  const initWantsHalf = new Set<string>();
  for (const n of graph.node) n.input.forEach((name, slot) => initializers.has(name) && wantAt(n, slot) === 'h' && initWantsHalf.add(name));
  for (const [name, t] of initializers) if (t.dataType === DataType.FLOAT) state.set(name, initWantsHalf.has(name) ? 'h' : 'f');
  for (const n of graph.node) for (const out of n.output) if (isFloat(out)) state.set(out, blocked(n) ? 'f' : 'h');

  const used = new Set<string>([...types.keys(), ...graph.node.flatMap((n) => [...n.input, ...n.output]), ...graph.node.map((n) => n.name ?? '')]);
  const castNames = new Map<string, string>();
  const nodes: NodeProto[] = [];
  const castTo = (name: string, want: Precision): string => {
    const key = `${name}\u0000${want}`;
    let out = castNames.get(key);
    if (out === undefined) {
      out = uniqueName(`${name}_to_${want === 'h' ? 'fp16' : 'fp32'}`, used);
      castNames.set(key, out);
      nodes.push(makeNode('Cast', [name], [out], { to: want === 'h' ? DataType.FLOAT16 : DataType.FLOAT }, uniqueName(`${out}_cast`, used)));
    }
    return out;
  };

  for (const n of graph.node) {
    let copy: NodeProto | undefined;
    n.input.forEach((name, slot) => {
      const have = state.get(name);
      if (have === undefined) return;
      const want = wantAt(n, slot);
      if (have !== want) {
        copy ??= { ...n, input: [...n.input] };
        copy.input[slot] = castTo(name, want);
      }
    });
    if (!blocked(n)) copy = retypeFloatProducer(copy ?? n) ?? copy;
    nodes.push(copy ?? n);
  }

  // graph outputs: rename the fp16 tensor and cast it back under the output's own name
  const outputs: ValueInfoProto[] = [];
  for (const o of graph.output) {
    const name = o.name ?? '';
    const have = state.get(name);
    if (have === undefined) {
      outputs.push(o);
      continue;
    }
    const want = keepIoTypes ? 'f' : have;
    if (want !== have && nodes.some((n) => n.output.includes(name))) {
      const inner = uniqueName(`${name}_${have === 'h' ? 'fp16' : 'fp32'}`, used);
      for (let i = 0; i < nodes.length; i++) {
        const n = nodes[i]!;
        if (n.input.includes(name) || n.output.includes(name)) {
          nodes[i] = { ...n, input: n.input.map((x) => (x === name ? inner : x)), output: n.output.map((x) => (x === name ? inner : x)) };
        }
      }
      nodes.push(makeNode('Cast', [inner], [name], { to: want === 'h' ? DataType.FLOAT16 : DataType.FLOAT }, uniqueName(`${name}_cast`, used)));
      outputs.push(o);
    } else {
      outputs.push(setElemType(o, have === 'h' ? DataType.FLOAT16 : DataType.FLOAT));
    }
  }

  const outputNames = new Set(graph.output.map((o) => o.name));
  const retype = (v: ValueInfoProto): ValueInfoProto => {
    const s = state.get(v.name ?? '');
    return s === undefined ? v : setElemType(v, s === 'h' ? DataType.FLOAT16 : DataType.FLOAT);
  };
  return withGraph(model, {
    ...graph,
    node: nodes,
    initializer: graph.initializer.map((t) => (t.dataType === DataType.FLOAT && state.get(t.name ?? '') === 'h' ? tensorToHalf(t) : t)),
    input: graph.input.map(retype),
    output: outputs,
    valueInfo: graph.valueInfo.filter((v) => !outputNames.has(v.name)).map(retype),
  });
}

/** Rewrites the float type a node itself produces (Cast to, Constant values) to fp16. */
function retypeFloatProducer(n: NodeProto): NodeProto | undefined {
  const op = n.opType ?? '';
  if (n.domain && n.domain !== 'ai.onnx') return undefined;
  if (op === 'Cast') {
    const to = n.attribute.find((a) => a.name === 'to');
    if (to?.i === undefined || Number(to.i) !== DataType.FLOAT) return undefined;
    return { ...n, attribute: n.attribute.map((a) => (a === to ? attribute('to', DataType.FLOAT16) : a)) };
  }
  if (op === 'Constant' || op === 'ConstantOfShape') {
    const value = n.attribute.find((a) => a.name === 'value');
    if (value?.t?.dataType === DataType.FLOAT) {
      return { ...n, attribute: n.attribute.map((a) => (a === value ? { ...a, t: tensorToHalf(value.t!) } : a)) };
    }
    if (op === 'ConstantOfShape' && value === undefined) {
      // the default value is float32 zero: make it an explicit fp16 zero
      return { ...n, attribute: [...n.attribute, attribute('value', makeTensor('', 'float16', [1], [0]))] };
    }
    const scalar = n.attribute.find((a) => a.name === 'value_float' || a.name === 'value_floats');
    if (op === 'Constant' && scalar) {
      const values = scalar.name === 'value_float' ? [scalar.f ?? 0] : scalar.floats;
      const dims = scalar.name === 'value_float' ? [] : [values.length];
      return { ...n, attribute: [attribute('value', makeTensor('', 'float16', dims, toHalfArrayClamped(values)))] };
    }
  }
  return undefined;
}
