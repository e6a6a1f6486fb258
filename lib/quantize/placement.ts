/**
 * Where Q/DQ go, per target (QUANTIZATION.md):
 * - tensorrt: symmetric int8 on the activation inputs of Conv / ConvTranspose / MatMul / Gemm
 *   and on both inputs of residual Adds; only those consumers read the dequantized value
 *   (NVIDIA's explicit-quantization placement).
 * - cpu: uint8 on the inputs AND outputs of the body's Conv, Sigmoid, Mul, Add, Concat,
 *   MaxPool, Resize, Slice, Split, so that ONNX Runtime fuses DQ -> op -> Q into QLinear
 *   kernels (a Q must follow the Conv for QLinearConv).
 *   The stem (a conv reading <= 4 channels, i.e. the image) stays float: with K = 27 the int8
 *   GEMM is slower than ORT's fp32 NCHWc conv (measured on a 2-core AVX2 EPYC, yolov8n 640:
 *   QLinearConv 9.3 ms vs Conv 4.6 ms) and it is the layer quantization hurts most.
 * Both: weights int8 symmetric per channel; the head's post-processing, the DFL conv and the
 * class branch's final convs stay float, and so does everything computed from a run-time
 * vocabulary's class embeddings (YOLOE's contrastive head); user exclusions by name, op type or pattern.
 */
import { YoloeTrtError, invalidOption } from '../errors.js';
import type { OnnxModel } from '../onnx/index.js';
import { WEIGHTED_OPS, analyseHead, groupLayers, indexGraph, isActivation, nodeName, type GraphIndex, type Layer } from './graph.js';

export type QuantizeTarget = 'tensorrt' | 'cpu';
export const QUANTIZE_TARGETS: readonly QuantizeTarget[] = ['tensorrt', 'cpu'];

export interface ExcludeOptions {
  /** exact node names */
  names?: string[];
  /** op types, e.g. ['Concat'] */
  opTypes?: string[];
  /** regular expressions (or their source strings) tested on node names */
  patterns?: (string | RegExp)[];
}

export interface PlacementOptions {
  exclude?: ExcludeOptions;
  /** quantize the class branch's final convs (`cv3.*.2`) too; default false (they compress confidences) */
  quantizeClassConvs?: boolean;
  /** quantize the DFL conv too; default false (its 0..15 weights do not survive scaling) */
  quantizeDfl?: boolean;
  /** cpu: quantize the stem convs (<= 4 input channels) too; default false (slower in int8) */
  quantizeStem?: boolean;
  /** layer names kept in float on top of the exclusions (mixed precision) */
  floatLayers?: Iterable<string>;
}

export interface WeightSlot {
  node: number;
  input: number;
  /** per-channel axis */
  axis: number;
}

export interface QdqPlan {
  target: QuantizeTarget;
  index: GraphIndex;
  /** activation tensor -> consumers that read its dequantized value ('all' for every consumer) */
  activations: Map<string, 'all' | number[]>;
  /** cpu: a data-movement op's output reuses its input's quantization parameters */
  shareParams: Map<string, string>;
  weights: WeightSlot[];
  /** nodes computed in int8 */
  quantizedNodes: Set<number>;
  /** layers (conv + SiLU) whose nodes are all quantized: the units of mixed precision */
  quantizedLayers: Layer[];
  /** node names kept in float by default rules (DFL, class convs) and exclusions */
  floatByDefault: string[];
  excluded: string[];
}

const CPU_OPS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Sigmoid', 'Mul', 'Add', 'Concat', 'MaxPool', 'Resize', 'Slice', 'Split']);
/** ops that only move or select values: their output keeps the input's scale (ORT drops their Q/DQ) */
const DATA_MOVEMENT = new Set(['MaxPool', 'Resize', 'Slice', 'Split']);

function toRegExps(patterns: (string | RegExp)[] | undefined): RegExp[] {
  return (patterns ?? []).map((p) => {
    if (p instanceof RegExp) return p;
    try {
      return new RegExp(p);
    } catch {
      throw invalidOption('exclude.patterns', 'valid regular expressions', p);
    }
  });
}

function checkExclude(exclude: ExcludeOptions | undefined): ExcludeOptions {
  if (exclude === undefined) return {};
  if (typeof exclude !== 'object' || exclude === null) throw invalidOption('exclude', 'an object { names, opTypes, patterns }', exclude);
  for (const key of ['names', 'opTypes'] as const) {
    const v = exclude[key];
    if (v !== undefined && (!Array.isArray(v) || !v.every((s) => typeof s === 'string'))) throw invalidOption(`exclude.${key}`, 'an array of strings', v);
  }
  if (exclude.patterns !== undefined && !Array.isArray(exclude.patterns)) throw invalidOption('exclude.patterns', 'an array of regular expressions', exclude.patterns);
  return exclude;
}

/** Per-channel axis of a weight: output channels. */
function weightAxis(g: GraphIndex, node: number): number {
  const n = g.graph.node[node]!;
  switch (n.opType) {
    case 'ConvTranspose': return 1; // weights are [Cin, Cout/group, k...]
    case 'Gemm': return Number(n.attribute.find((a) => a.name === 'transB')?.i ?? 0) === 1 ? 0 : 1;
    case 'MatMul': {
      const t = g.graph.initializer.find((i) => i.name === n.input[1]);
      return Math.max(0, (t?.dims.length ?? 2) - 1);
    }
    default: return 0;
  }
}

/** Input channels of a weighted op (weights [Cout, Cin/group, k...]); undefined when unknown. */
function inputChannels(g: GraphIndex, node: number): number | undefined {
  const n = g.graph.node[node]!;
  if (n.opType !== 'Conv') return undefined;
  const w = g.graph.initializer.find((t) => t.name === n.input[1]);
  if (!w || w.dims.length < 2) return undefined;
  return Number(w.dims[1]) * Number(n.attribute.find((a) => a.name === 'group')?.i ?? 1);
}

/** Largest input channel count of a conv kept float as the stem on the cpu target. */
const STEM_CHANNELS = 4;

function isResidualAdd(g: GraphIndex, node: number): boolean {
  const n = g.graph.node[node]!;
  return n.opType === 'Add' && n.input.length === 2 && n.input.every((t) => isActivation(g, t));
}

/**
 * Nodes computed from a run-time vocabulary's class embeddings (a rank-3 graph input, YOLOE's
 * `class_embeddings [1, K, D]`): the contrastive head's Einsum / MatMul, its logit scale and bias
 * and all that follows. They stay float (quantizing the text-region product breaks small objects,
 * ultralytics#25530), whatever op the export used for the product.
 */
export function embeddingsDownstream(g: GraphIndex): Set<number> {
  const sources = g.graph.input.filter((v) => !g.initializers.has(v.name ?? '') && v.type?.tensorType?.shape?.dim.length === 3).map((v) => v.name ?? '');
  const reached = new Set<number>();
  const stack = [...sources];
  while (stack.length > 0) {
    for (const c of g.consumers.get(stack.pop()!) ?? []) {
      if (reached.has(c)) continue;
      reached.add(c);
      stack.push(...g.graph.node[c]!.output.filter(Boolean));
    }
  }
  return reached;
}

/** The tensor whose quantization parameters `tensor` uses (data-movement outputs borrow their input's). */
export function paramsSource(plan: Pick<QdqPlan, 'shareParams'>, tensor: string): string {
  let name = tensor;
  for (let hops = 0; plan.shareParams.has(name) && hops < 64; hops++) name = plan.shareParams.get(name)!;
  return name;
}

/**
 * Plans the Q/DQ placement of a model for a target.
 * @example const plan = planQdq(model, 'cpu', { exclude: { patterns: ['model\\.0/'] } });
 */
export function planQdq(model: OnnxModel, target: QuantizeTarget, options: PlacementOptions = {}): QdqPlan {
  if (!QUANTIZE_TARGETS.includes(target)) throw invalidOption('target', `one of ${QUANTIZE_TARGETS.join(', ')}`, target);
  const opset = Number(model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version ?? 0);
  if (opset < 13) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Per-channel Q/DQ needs ONNX opset 13 or newer but the model uses opset ${opset}; re-export it with opset >= 13`);
  }
  const g = indexGraph(model);
  const nodes = g.graph.node;
  const head = analyseHead(g);
  const exclude = checkExclude(options.exclude);
  const names = new Set(exclude.names ?? []);
  const ops = new Set(exclude.opTypes ?? []);
  const patterns = toRegExps(exclude.patterns);
  const layers = groupLayers(g);
  const layerOf = new Map<number, Layer>();
  for (const l of layers) for (const m of l.nodes) layerOf.set(m, l);

  // nodes kept in float: post-processing, DFL / class convs, exclusions (a weighted op takes its SiLU along)
  const float = new Set<number>(head.postProcess);
  const floatByDefault: string[] = [];
  const excluded: string[] = [];
  const keepLayer = (i: number) => {
    for (const m of layerOf.get(i)?.nodes ?? [i]) float.add(m);
  };
  if (!options.quantizeDfl) for (const i of head.dflConvs) { keepLayer(i); floatByDefault.push(nodeName(nodes[i]!, i)); }
  if (!options.quantizeClassConvs) for (const i of head.classConvs) { keepLayer(i); floatByDefault.push(nodeName(nodes[i]!, i)); }
  for (const i of embeddingsDownstream(g)) {
    if (float.has(i)) continue;
    float.add(i);
    if (WEIGHTED_OPS.has(nodes[i]!.opType ?? '')) floatByDefault.push(nodeName(nodes[i]!, i));
  }
  if (target === 'cpu' && !options.quantizeStem) {
    nodes.forEach((n, i) => {
      const c = inputChannels(g, i);
      if (c !== undefined && c <= STEM_CHANNELS && !float.has(i)) { keepLayer(i); floatByDefault.push(nodeName(n, i)); }
    });
  }
  nodes.forEach((n, i) => {
    const name = nodeName(n, i);
    if (names.has(name) || ops.has(n.opType ?? '') || patterns.some((p) => p.test(name))) {
      if (WEIGHTED_OPS.has(n.opType ?? '')) keepLayer(i);
      else float.add(i);
      excluded.push(name);
    }
  });
  const floatLayers = new Set(options.floatLayers ?? []);
  for (const l of layers) if (floatLayers.has(l.name)) for (const m of l.nodes) float.add(m);

  const activations = new Map<string, 'all' | number[]>();
  const shareParams = new Map<string, string>();
  const weights: WeightSlot[] = [];
  const quantizedNodes = new Set<number>();
  const addConsumer = (t: string, node: number) => {
    const cur = activations.get(t);
    if (cur === 'all') return;
    activations.set(t, cur ? (cur.includes(node) ? cur : [...cur, node]) : [node]);
  };

  nodes.forEach((n, i) => {
    if (float.has(i)) return;
    const op = n.opType ?? '';
    if (target === 'cpu') {
      if (!CPU_OPS.has(op)) return;
      quantizedNodes.add(i);
      const dataInputs = DATA_MOVEMENT.has(op) || op === 'Resize' ? [n.input[0]!] : WEIGHTED_OPS.has(op) ? [n.input[0]!] : n.input;
      for (const t of dataInputs) if (isActivation(g, t)) activations.set(t, 'all');
      if ((op === 'MatMul' || op === 'Gemm') && isActivation(g, n.input[1] ?? '')) activations.set(n.input[1]!, 'all');
      const outs = op === 'MaxPool' ? [n.output[0]!] : n.output.filter(Boolean);
      for (const t of outs) {
        activations.set(t, 'all');
        if (DATA_MOVEMENT.has(op)) shareParams.set(t, n.input[0]!);
      }
    } else {
      if (WEIGHTED_OPS.has(op)) {
        quantizedNodes.add(i);
        if (isActivation(g, n.input[0]!)) addConsumer(n.input[0]!, i);
        if ((op === 'MatMul' || op === 'Gemm') && isActivation(g, n.input[1] ?? '')) addConsumer(n.input[1]!, i);
      } else if (isResidualAdd(g, i)) {
        quantizedNodes.add(i);
        for (const t of n.input) addConsumer(t, i);
      }
    }
    if (WEIGHTED_OPS.has(op) && g.initializers.has(n.input[1] ?? '')) weights.push({ node: i, input: 1, axis: weightAxis(g, i) });
  });
  // a shared input that must stay float-free: a data-movement output whose input is not quantized keeps its own range
  for (const [out, input] of shareParams) if (!activations.has(input)) shareParams.delete(out);

  const quantizedLayers = layers.filter((l) => l.nodes.some((m) => quantizedNodes.has(m)) && WEIGHTED_OPS.has(l.opType));
  return { target, index: g, activations, shareParams, weights, quantizedNodes, quantizedLayers, floatByDefault, excluded };
}
