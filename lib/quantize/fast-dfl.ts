/**
 * The DFL of YOLOv8-style heads: Reshape [b,4,16,a] -> Transpose [b,16,4,a] -> Softmax(axis 1)
 * -> 1x1 Conv (weights 0..15) -> Reshape [b,4,a]. ONNX Runtime runs a Softmax over a
 * non-last axis with transposes inside; measured on a 2-core AVX2 EPYC it is ~10% of the int8
 * yolov8n at 640 (as slow as all of int8's Sigmoids). The same math with the 16 bins last:
 * Transpose [b,4,a,16] -> Softmax(axis -1) -> MatMul [16,1] gives [b,4,a,1], whose flat order
 * equals the Conv's [b,1,4,a], so the final Reshape stays as it is. Float in, float out: the
 * result is exact up to float summation order.
 */
import { makeTensor, node, tensorToFloat32, type NodeProto, type OnnxModel, type TensorProto } from '../onnx/index.js';
import { indexGraph, type GraphIndex } from './graph.js';

const intsOf = (n: NodeProto, name: string): number[] | undefined => n.attribute.find((a) => a.name === name)?.ints.map(Number);
const intOf = (n: NodeProto, name: string): number | undefined => {
  const a = n.attribute.find((x) => x.name === name);
  return a?.i === undefined ? undefined : Number(a.i);
};
const sameList = (a: number[] | undefined, b: number[]) => a !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);

interface DflMatch {
  transpose: number;
  softmax: number;
  conv: number;
  /** the DFL weights as a [bins] vector */
  weights: Float32Array;
}

function soleConsumer(g: GraphIndex, tensor: string): number | undefined {
  const c = g.consumers.get(tensor) ?? [];
  return c.length === 1 && !g.graphOutputs.has(tensor) ? c[0] : undefined;
}

function matchDfl(g: GraphIndex, softmax: number): DflMatch | undefined {
  const nodes = g.graph.node;
  const sm = nodes[softmax]!;
  if (sm.opType !== 'Softmax' || intOf(sm, 'axis') !== 1) return undefined;
  const transpose = g.producer.get(sm.input[0]!);
  if (transpose === undefined || nodes[transpose]!.opType !== 'Transpose' || !sameList(intsOf(nodes[transpose]!, 'perm'), [0, 2, 1, 3])) return undefined;
  if (soleConsumer(g, sm.input[0]!) !== softmax) return undefined;
  const conv = soleConsumer(g, sm.output[0]!);
  if (conv === undefined) return undefined;
  const c = nodes[conv]!;
  if (c.opType !== 'Conv' || c.input.length > 2 || (intOf(c, 'group') ?? 1) !== 1) return undefined;
  const init = g.graph.initializer.find((t) => t.name === c.input[1]);
  const dims = init?.dims.map(Number);
  if (!init || !dims || dims.length !== 4 || dims[0] !== 1 || dims[2] !== 1 || dims[3] !== 1) return undefined;
  for (const attr of ['strides', 'dilations']) if (intsOf(c, attr)?.some((v) => v !== 1)) return undefined;
  if (intsOf(c, 'pads')?.some((v) => v !== 0)) return undefined;
  // the Conv's [b,1,4,a] and the MatMul's [b,4,a,1] agree only in flat order: a Reshape must read it
  const readers = g.consumers.get(c.output[0]!) ?? [];
  if (g.graphOutputs.has(c.output[0]!) || readers.length === 0 || readers.some((r) => nodes[r]!.opType !== 'Reshape')) return undefined;
  return { transpose, softmax, conv, weights: tensorToFloat32(init) };
}

/**
 * Rewrites every DFL block into its last-axis form. Returns the model unchanged (same object)
 * when there is none.
 * @example const { model: fast, rewritten } = fastDfl(model);
 */
export function fastDfl(model: OnnxModel): { model: OnnxModel; rewritten: number } {
  const g = indexGraph(model);
  const matches = g.graph.node.map((_, i) => matchDfl(g, i)).filter((m): m is DflMatch => m !== undefined);
  if (matches.length === 0) return { model, rewritten: 0 };
  const nodes = g.graph.node.map((n) => ({ ...n, input: [...n.input], output: [...n.output], attribute: [...n.attribute] }));
  const replacedWeights = new Set(matches.map((m) => nodes[m.conv]!.input[1]!));
  const added: TensorProto[] = [];
  matches.forEach((m, k) => {
    const t = nodes[m.transpose]!;
    t.attribute = t.attribute.map((a) => (a.name === 'perm' ? { ...a, ints: [0, 1, 3, 2] } : a));
    const s = nodes[m.softmax]!;
    s.attribute = s.attribute.map((a) => (a.name === 'axis' ? { ...a, i: -1 } : a));
    const c = nodes[m.conv]!;
    const weight = `${c.input[1]}_dfl_matmul_${k}`;
    added.push(makeTensor(weight, 'float32', [m.weights.length, 1], m.weights));
    nodes[m.conv] = node('MatMul', [c.input[0]!, weight], [c.output[0]!], {}, `${c.name ?? 'dfl'}_as_MatMul`);
  });
  const stillRead = new Set(nodes.flatMap((n) => n.input));
  const initializers = [...g.graph.initializer.filter((t) => !replacedWeights.has(t.name ?? '') || stillRead.has(t.name ?? '')), ...added];
  // the reshaped tensors' recorded shapes no longer hold
  const reshaped = new Set(matches.flatMap((m) => [nodes[m.transpose]!.output[0]!, nodes[m.softmax]!.output[0]!, nodes[m.conv]!.output[0]!]));
  const valueInfo = g.graph.valueInfo.filter((v) => !reshaped.has(v.name ?? ''));
  return { model: { ...model, graph: { ...g.graph, node: nodes, initializer: initializers, valueInfo } }, rewritten: matches.length };
}
