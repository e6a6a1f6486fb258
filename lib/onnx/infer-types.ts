/**
 * Element-type propagation through a graph: enough ONNX typing rules to know which tensors
 * are float (for fp16 conversion and for typing extra outputs) without a full shape inference.
 */
import { DataType, type AttributeProto, type GraphProto, type NodeProto } from './proto-types.js';

const ALWAYS_INT64 = new Set(['Shape', 'Size', 'NonZero', 'ArgMax', 'ArgMin', 'NonMaxSuppression']);
const ALWAYS_BOOL = new Set(['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf']);
const ALWAYS_INT32 = new Set(['ConvInteger', 'MatMulInteger']);

function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

/** Output element types of one node, given a lookup for its inputs' types (undefined = unknown). */
function outputTypes(node: NodeProto, typeOf: (name: string) => number | undefined): (number | undefined)[] {
  const op = node.opType ?? '';
  const input = (i: number): number | undefined => (node.input[i] ? typeOf(node.input[i]!) : undefined);
  const all = (t: number | undefined) => node.output.map(() => t);
  if (op.startsWith('QLinear')) {
    // quantized in, quantized out: the output zero point has the type of the 8-bit inputs
    const q = node.input.find((n) => n && (typeOf(n) === DataType.INT8 || typeOf(n) === DataType.UINT8));
    return all(q ? typeOf(q) : undefined);
  }
  if (node.domain && node.domain !== 'ai.onnx' && node.domain !== 'com.microsoft') return all(undefined);
  if (ALWAYS_INT64.has(op)) return all(DataType.INT64);
  if (ALWAYS_BOOL.has(op)) return all(DataType.BOOL);
  if (ALWAYS_INT32.has(op)) return all(DataType.INT32);
  switch (op) {
    case 'Cast': {
      const to = attr(node, 'to')?.i;
      return all(to === undefined ? undefined : Number(to));
    }
    case 'CastLike': return all(input(1));
    case 'Constant': {
      const a = node.attribute[0];
      if (!a) return all(undefined);
      if (a.name === 'value') return all(a.t?.dataType);
      if (a.name === 'value_float' || a.name === 'value_floats') return all(DataType.FLOAT);
      if (a.name === 'value_int' || a.name === 'value_ints') return all(DataType.INT64);
      if (a.name === 'value_string' || a.name === 'value_strings') return all(DataType.STRING);
      return all(undefined);
    }
    case 'ConstantOfShape': return all(attr(node, 'value')?.t?.dataType ?? DataType.FLOAT);
    case 'QuantizeLinear': return all(input(2) ?? DataType.UINT8);
    case 'DequantizeLinear': return all(input(1));
    case 'DynamicQuantizeLinear': return [DataType.UINT8, DataType.FLOAT, DataType.UINT8];
    case 'TopK': return [input(0), DataType.INT64];
    case 'MaxPool': return [input(0), DataType.INT64];
    case 'Where': return all(input(1));
    case 'OneHot': return all(input(2));
    default: {
      // most ops (elementwise, Conv, Concat, Reshape, Slice, Gather, Resize, ...) keep the type
      // of their first typed input
      const first = node.input.find((n) => n && typeOf(n) !== undefined);
      return all(first ? typeOf(first) : undefined);
    }
  }
}

/** Element type of every tensor the graph names, where the rules above can tell. */
export function inferElemTypes(graph: GraphProto): Map<string, number> {
  const types = new Map<string, number>();
  const record = (name: string | undefined, t: number | undefined) => {
    if (name && t !== undefined && t !== DataType.UNDEFINED) types.set(name, t);
  };
  for (const v of [...graph.input, ...graph.valueInfo, ...graph.output]) record(v.name, v.type?.tensorType?.elemType);
  for (const t of graph.initializer) record(t.name, t.dataType);
  for (const n of graph.node) {
    const outs = outputTypes(n, (name) => types.get(name));
    n.output.forEach((name, i) => {
      // declared types (value_info / outputs) win over the rules
      if (!types.has(name)) record(name, outs[i]);
    });
  }
  return types;
}
