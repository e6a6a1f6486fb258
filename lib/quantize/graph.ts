/**
 * Reads a YOLO graph the way the quantizer needs it: who produces and consumes each tensor,
 * which tensors are activations, where the head's float post-processing starts, and which
 * nodes form one layer (a Conv with its SiLU) for exclusion and sensitivity analysis.
 */
import { YoloeTrtError } from '../errors.js';
import { DataType, inferElemTypes, type GraphProto, type NodeProto, type OnnxModel } from '../onnx/index.js';

/** Ops whose weights are quantized per channel. */
export const WEIGHTED_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul']);

export interface GraphIndex {
  graph: GraphProto;
  /** tensor -> index of the node producing it */
  producer: Map<string, number>;
  /** tensor -> indices of nodes reading it */
  consumers: Map<string, number[]>;
  initializers: Set<string>;
  graphInputs: Set<string>;
  graphOutputs: Set<string>;
  elemTypes: Map<string, number>;
}

export function indexGraph(model: OnnxModel): GraphIndex {
  const graph = model?.graph;
  if (!graph) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX model has no graph');
  const producer = new Map<string, number>();
  const consumers = new Map<string, number[]>();
  graph.node.forEach((n, i) => {
    for (const o of n.output) if (o) producer.set(o, i);
    for (const t of n.input) {
      if (!t) continue;
      const list = consumers.get(t);
      if (list) {
        if (list[list.length - 1] !== i) list.push(i);
      } else consumers.set(t, [i]);
    }
  });
  return {
    graph,
    producer,
    consumers,
    initializers: new Set(graph.initializer.map((t) => t.name ?? '')),
    graphInputs: new Set(graph.input.map((v) => v.name ?? '')),
    graphOutputs: new Set(graph.output.map((v) => v.name ?? '')),
    elemTypes: inferElemTypes(graph),
  };
}

/** A float tensor computed at run time (a node output or a graph input that is no initializer). */
export function isActivation(g: GraphIndex, name: string): boolean {
  if (!name || g.initializers.has(name)) return false;
  if (!g.producer.has(name) && !g.graphInputs.has(name)) return false;
  const producer = g.producer.get(name);
  if (producer !== undefined && g.graph.node[producer]!.opType === 'Constant') return false;
  return (g.elemTypes.get(name) ?? DataType.FLOAT) === DataType.FLOAT;
}

/** True when node i is the Sigmoid of a SiLU (x * sigmoid(x)) or its Mul. */
function siluPartner(g: GraphIndex, i: number): number | undefined {
  const n = g.graph.node[i]!;
  if (n.opType === 'Sigmoid') {
    const x = n.input[0]!;
    return (g.consumers.get(n.output[0]!) ?? []).find((c) => {
      const m = g.graph.node[c]!;
      return m.opType === 'Mul' && m.input.includes(x);
    });
  }
  return undefined;
}

export interface HeadAnalysis {
  /** node indices of the head's post-processing (DFL softmax, box decode, final Sigmoid, concats): always float */
  postProcess: Set<number>;
  /** the DFL conv(s): float by default */
  dflConvs: Set<number>;
  /** the class branch's final convs (`cv3.*.2`): float by default */
  classConvs: Set<number>;
  /** the last convs of every head branch (no other conv downstream) */
  finalConvs: Set<number>;
}

const CLASS_CONV = /cv3\.\d+\.2(?![0-9])/;

function isDflConv(g: GraphIndex, n: NodeProto): boolean {
  if (n.opType !== 'Conv') return false;
  if (/(^|[/.])dfl([/.]|$)/.test(n.name ?? '') || /(^|\.)dfl\./.test(n.input[1] ?? '')) return true;
  const p = g.producer.get(n.input[0] ?? '');
  return p !== undefined && g.graph.node[p]!.opType === 'Softmax';
}

/**
 * Finds the head's post-processing: every node with no weighted op (other than the DFL conv)
 * downstream of it, except the convs themselves and the SiLU right after such a conv (the
 * segmentation prototypes end in Conv + SiLU).
 */
export function analyseHead(g: GraphIndex): HeadAnalysis {
  const nodes = g.graph.node;
  const dflConvs = new Set<number>();
  nodes.forEach((n, i) => {
    if (isDflConv(g, n)) dflConvs.add(i);
  });
  // convDownstream[i]: a non-DFL weighted op is reachable from node i's outputs
  const convDownstream = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const reach = nodes[i]!.output.some((o) =>
      (g.consumers.get(o) ?? []).some((c) => convDownstream[c] || (WEIGHTED_OPS.has(nodes[c]!.opType ?? '') && !dflConvs.has(c))),
    );
    convDownstream[i] = reach;
  }
  if (!isTopologicallySorted(g)) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX graph is not topologically sorted; re-export it (onnx.save after onnx.checker / onnxsim)');
  }
  const finalConvs = new Set<number>();
  const postProcess = new Set<number>();
  const activationOfFinal = new Set<number>();
  nodes.forEach((n, i) => {
    if (convDownstream[i] || dflConvs.has(i)) return;
    if (WEIGHTED_OPS.has(n.opType ?? '')) finalConvs.add(i);
  });
  for (const c of finalConvs) {
    for (const s of g.consumers.get(nodes[c]!.output[0]!) ?? []) {
      const mul = siluPartner(g, s);
      if (mul !== undefined) {
        activationOfFinal.add(s);
        activationOfFinal.add(mul);
      }
    }
  }
  nodes.forEach((n, i) => {
    if (convDownstream[i] || finalConvs.has(i) || dflConvs.has(i) || activationOfFinal.has(i)) return;
    postProcess.add(i);
  });
  const classConvs = new Set([...finalConvs].filter((i) => CLASS_CONV.test(nodes[i]!.name ?? '') || CLASS_CONV.test(nodes[i]!.input[1] ?? '')));
  return { postProcess, dflConvs, classConvs, finalConvs };
}

function isTopologicallySorted(g: GraphIndex): boolean {
  return g.graph.node.every((n, i) => n.input.every((t) => !t || (g.producer.get(t) ?? -1) < i));
}

/**
 * A layer: a weighted op with the SiLU that follows it, or a single other node. Excluding or
 * keeping a layer in float acts on all its nodes together.
 */
export interface Layer {
  /** the weighted op's (or the single node's) name */
  name: string;
  nodes: number[];
  opType: string;
}

export function groupLayers(g: GraphIndex): Layer[] {
  const nodes = g.graph.node;
  const taken = new Set<number>();
  const layers: Layer[] = [];
  nodes.forEach((n, i) => {
    if (taken.has(i)) return;
    const members = [i];
    if (WEIGHTED_OPS.has(n.opType ?? '')) {
      for (const s of g.consumers.get(n.output[0]!) ?? []) {
        const mul = siluPartner(g, s);
        if (mul !== undefined) members.push(s, mul);
      }
    }
    for (const m of members) taken.add(m);
    layers.push({ name: n.name || `${n.opType}_${i}`, nodes: members, opType: n.opType ?? '' });
  });
  return layers;
}

export function nodeName(n: NodeProto, i: number): string {
  return n.name || `${n.opType ?? 'node'}_${i}`;
}
