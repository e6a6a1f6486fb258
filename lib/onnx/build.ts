/**
 * Helpers to build ONNX graphs in code (test graphs, inserted Cast / Q/DQ nodes).
 */
import { YoloeTrtError, describeValue } from '../errors.js';
import type { TensorDtype } from '../types.js';
import type { Int64 } from './protobuf.js';
import { AttributeType, type AttributeProto, type GraphProto, type NodeProto, type OnnxModel, type TensorProto, type ValueInfoProto } from './proto-types.js';
import { dtypeToOnnx, makeTensor, type TensorValues } from './tensor.js';

/** Forces a float attribute where a JS number would otherwise read as an int. */
export interface FloatAttr { float: number }
export interface FloatsAttr { floats: number[] }

/**
 * An attribute value: integer numbers and bigints are INT, other numbers FLOAT ({ float: 1 }
 * forces FLOAT), strings STRING, arrays INTS / FLOATS / STRINGS, a TensorProto TENSOR, a
 * GraphProto GRAPH.
 */
export type AttrValue = number | bigint | string | Uint8Array | number[] | bigint[] | string[] | FloatAttr | FloatsAttr | TensorProto | GraphProto;

const utf8 = new TextEncoder();

function emptyAttribute(name: string): AttributeProto {
  return { name, floats: [], ints: [], strings: [], tensors: [], graphs: [] };
}

export function attribute(name: string, value: AttrValue): AttributeProto {
  const a = emptyAttribute(name);
  if (typeof value === 'number') {
    if (Number.isInteger(value)) Object.assign(a, { i: value, type: AttributeType.INT });
    else Object.assign(a, { f: value, type: AttributeType.FLOAT });
  } else if (typeof value === 'bigint') {
    Object.assign(a, { i: value, type: AttributeType.INT });
  } else if (typeof value === 'string') {
    Object.assign(a, { s: utf8.encode(value), type: AttributeType.STRING });
  } else if (value instanceof Uint8Array) {
    Object.assign(a, { s: value, type: AttributeType.STRING });
  } else if (Array.isArray(value)) {
    const items = value as unknown[];
    if (items.every((v) => typeof v === 'string')) {
      if (items.length > 0) Object.assign(a, { strings: (items as string[]).map((s) => utf8.encode(s)), type: AttributeType.STRINGS });
      else a.type = AttributeType.INTS;
    } else if (items.every((v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)))) {
      Object.assign(a, { ints: items as Int64[], type: AttributeType.INTS });
    } else if (items.every((v) => typeof v === 'number')) {
      Object.assign(a, { floats: items as number[], type: AttributeType.FLOATS });
    } else {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an array of numbers or strings for attribute "${name}" but received mixed values`);
    }
  } else if ('float' in value && typeof value.float === 'number') {
    Object.assign(a, { f: value.float, type: AttributeType.FLOAT });
  } else if ('floats' in value && Array.isArray(value.floats)) {
    Object.assign(a, { floats: value.floats, type: AttributeType.FLOATS });
  } else if ('node' in value && Array.isArray(value.node)) {
    Object.assign(a, { g: value, type: AttributeType.GRAPH });
  } else if ('dims' in value && Array.isArray(value.dims)) {
    Object.assign(a, { t: value, type: AttributeType.TENSOR });
  } else {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an attribute value for attribute "${name}" but received ${describeValue(value)}`);
  }
  return a;
}

/**
 * A node. Empty-string inputs mean "optional input omitted", as in ONNX.
 * @example node('Add', ['a', 'b'], ['sum'])
 * @example node('ReduceMean', ['images'], ['mean'], { keepdims: 0 })
 */
export function node(op: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string, domain?: string): NodeProto {
  const n: NodeProto = {
    input: [...inputs],
    output: [...outputs],
    opType: op,
    attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
  };
  if (name !== undefined) n.name = name;
  if (domain !== undefined) n.domain = domain;
  return n;
}

/** An initializer tensor (stored as raw_data). */
export function initializer(name: string, dtype: TensorDtype, dims: readonly number[], data: TensorValues): TensorProto {
  return makeTensor(name, dtype, dims, data);
}

/**
 * A typed graph input/output/value_info. `dims` entries are numbers (static) or strings
 * (symbolic); leave `dims` out for an unknown shape.
 */
export function valueInfo(name: string, dtype: TensorDtype, dims?: readonly (number | string)[]): ValueInfoProto {
  const tensorType: NonNullable<ValueInfoProto['type']>['tensorType'] = { elemType: dtypeToOnnx(dtype) };
  if (dims) tensorType!.shape = { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) };
  return { name, type: { tensorType } };
}

export interface ModelSpec {
  inputs: ValueInfoProto[];
  outputs: ValueInfoProto[];
  nodes: NodeProto[];
  initializers?: TensorProto[];
  /** default-domain opset; default 17 */
  opset?: number;
  /** extra operator sets, e.g. { 'com.microsoft': 1 } */
  extraOpsets?: Record<string, number>;
  metadata?: Record<string, string>;
  graphName?: string;
  producerName?: string;
}

/** The IR version matching an opset (ONNX's versioning table): 17 -> 8, 18..20 -> 9, 21+ -> 10. */
function irVersionFor(opset: number): number {
  if (opset <= 17) return 8;
  if (opset <= 20) return 9;
  return 10;
}

/** Assembles a model from parts. */
export function makeModel(spec: ModelSpec): OnnxModel {
  const opset = spec.opset ?? 17;
  const graph: GraphProto = {
    node: spec.nodes,
    name: spec.graphName ?? 'main',
    initializer: spec.initializers ?? [],
    input: spec.inputs,
    output: spec.outputs,
    valueInfo: [],
  };
  return {
    irVersion: irVersionFor(opset),
    producerName: spec.producerName ?? 'yoloe-trt',
    graph,
    opsetImport: [{ domain: '', version: opset }, ...Object.entries(spec.extraOpsets ?? {}).map(([domain, version]) => ({ domain, version }))],
    metadataProps: Object.entries(spec.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
}
