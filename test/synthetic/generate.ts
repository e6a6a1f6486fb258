/**
 * Synthetic YOLO head models for layouts that have no real checkpoint here (end-to-end
 * YOLO26 / YOLOE-26 heads, `nms=True` exports, prompt-free YOLOE heads with 4,585 classes).
 * Each model takes `images [B, 3, H, W]` float32 and returns outputs whose content the caller
 * chose. Every output depends on the input (`+ 0 * mean(images)`), so ONNX Runtime really
 * consumes the image and cannot fold the graph into constants.
 */
import { YoloeTrtError } from '../../lib/errors.js';
import { initializer, makeModel, node, valueInfo } from '../../lib/onnx/build.js';
import { formatUltralyticsMetadata } from '../../lib/onnx/metadata.js';
import { writeOnnx } from '../../lib/onnx/model.js';
import type { NodeProto, TensorProto, ValueInfoProto } from '../../lib/onnx/proto-types.js';
import { elementCount } from '../../lib/onnx/tensor.js';

export interface SyntheticOutput {
  name: string;
  dims: number[];
  /** row-major values, elementCount(dims) long */
  data: Float32Array;
}

/** Outputs baked in as constants (fine up to a few million values). */
export interface ConstHeadSpec {
  kind: 'const';
  /** network input [height, width]; default [640, 640] */
  imgsz?: [number, number];
  /** default 1 */
  batch?: number;
  outputs: SyntheticOutput[];
  metadata?: Record<string, string>;
}

/** A planted class score in a raw head. */
export interface HotScore {
  anchor: number;
  classId: number;
  score: number;
}

/**
 * A raw head `[1, 4 + nc + nm, anchors]` too big to store (4,585 classes: 154 MB), computed by
 * a small graph: class scores are `background[c % p][a % q]` (a small tiled pattern) except
 * the planted `hot` scores; boxes and mask coefficients are constants. `rawHeadValues()` gives
 * the exact value of any element.
 */
export interface RawHeadSpec {
  kind: 'raw';
  nc: number;
  /** mask coefficients per anchor (32 for seg); default 0 */
  nm?: number;
  /** default [640, 640] */
  imgsz?: [number, number];
  /** default: the anchor count of strides 8/16/32 for imgsz (8400 at 640) */
  anchors?: number;
  /** [p, q] pattern of background class scores, row-major; default 7 x 5 values in 0..0.01 */
  background?: { rows: number; cols: number; data: Float32Array };
  hot: HotScore[];
  /** boxes `[4, anchors]` (cx, cy, w, h rows); default rawHeadDefaultBox() */
  boxes?: Float32Array;
  /** `[1, 4+nc+nm, N]` (false, Ultralytics' layout) or `[1, N, 4+nc+nm]` (true); default false */
  transposed?: boolean;
  /** add a prototype output `output1 [1, nm, H/4, W/4]` (needs nm > 0); values from protoValue() */
  protos?: boolean;
  metadata?: Record<string, string>;
}

export type SyntheticHeadSpec = ConstHeadSpec | RawHeadSpec;

const INPUT = 'images';
const ZERO = 'input_times_zero';

function specError(message: string): YoloeTrtError {
  return new YoloeTrtError('ERR_INVALID_OPTION', `Invalid synthetic head spec: ${message}`);
}

/** Nodes computing a scalar `0 * mean(images)` that every output adds. */
function inputDependency(): { nodes: NodeProto[]; inits: TensorProto[] } {
  return {
    nodes: [node('ReduceMean', [INPUT], ['input_mean'], { keepdims: 0 }), node('Mul', ['input_mean', 'zero_scalar'], [ZERO])],
    inits: [initializer('zero_scalar', 'float32', [], [0])],
  };
}

function imagesInput(batch: number, imgsz: [number, number]): ValueInfoProto {
  return valueInfo(INPUT, 'float32', [batch, 3, imgsz[0], imgsz[1]]);
}

function checkImgsz(imgsz: [number, number]): void {
  if (!imgsz.every((v) => Number.isInteger(v) && v > 0)) throw specError(`imgsz must be two positive integers, got [${imgsz.join(', ')}]`);
}

function constHeadModel(spec: ConstHeadSpec): Uint8Array {
  const imgsz = spec.imgsz ?? [640, 640];
  const batch = spec.batch ?? 1;
  checkImgsz(imgsz);
  if (spec.outputs.length === 0) throw specError('at least one output is needed');
  const dep = inputDependency();
  const nodes = [...dep.nodes];
  const inits = [...dep.inits];
  for (const out of spec.outputs) {
    if (out.data.length !== elementCount(out.dims)) {
      throw specError(`output "${out.name}" has ${out.data.length} values for dims [${out.dims.join(', ')}]`);
    }
    inits.push(initializer(`${out.name}_const`, 'float32', out.dims, out.data));
    nodes.push(node('Add', [`${out.name}_const`, ZERO], [out.name]));
  }
  const model = makeModel({
    inputs: [imagesInput(batch, imgsz)],
    outputs: spec.outputs.map((o) => valueInfo(o.name, 'float32', o.dims)),
    nodes,
    initializers: inits,
    metadata: spec.metadata ?? {},
    graphName: 'synthetic_const_head',
  });
  return writeOnnx(model);
}

/** Anchor count of a stride-8/16/32 head. */
export function anchorCount(imgsz: [number, number]): number {
  return [8, 16, 32].reduce((sum, s) => sum + Math.ceil(imgsz[0] / s) * Math.ceil(imgsz[1] / s), 0);
}

const DEFAULT_BACKGROUND = { rows: 7, cols: 5, data: Float32Array.from({ length: 35 }, (_, i) => ((i * 3) % 11) / 1000) };

/** The default box of an anchor: deterministic, inside a 640 x 640 input. */
export function rawHeadDefaultBox(anchor: number): [number, number, number, number] {
  return [16 + ((anchor * 37) % 600), 16 + ((anchor * 53) % 600), 8 + (anchor % 24), 8 + ((anchor * 7) % 24)];
}

/** A deterministic mask coefficient / prototype value pattern in [-1, 1]. */
export function patternValue(i: number, j: number): number {
  return (((i * 31 + j * 17) % 21) - 10) / 10;
}

function resolvedRaw(spec: RawHeadSpec) {
  const imgsz = spec.imgsz ?? [640, 640];
  const nm = spec.nm ?? 0;
  const anchors = spec.anchors ?? anchorCount(imgsz);
  const background = spec.background ?? DEFAULT_BACKGROUND;
  return { imgsz, nm, anchors, background, nc: spec.nc };
}

/**
 * A function giving the exact value of channel `c` at anchor `a` of a raw head spec
 * (channel-major indexing, whatever `transposed` says). Build it once, call it per element.
 */
export function rawHeadValues(spec: RawHeadSpec): (channel: number, anchor: number) => number {
  const { nc, background, anchors } = resolvedRaw(spec);
  const hot = new Map(spec.hot.map((h) => [h.classId * 2 ** 26 + h.anchor, Math.fround(h.score)]));
  const boxes = spec.boxes;
  return (channel, anchor) => {
    if (channel < 4) return boxes ? boxes[channel * anchors + anchor]! : rawHeadDefaultBox(anchor)[channel]!;
    const c = channel - 4;
    if (c >= nc) return Math.fround(patternValue(c - nc, anchor));
    const planted = hot.get(c * 2 ** 26 + anchor);
    if (planted !== undefined) return planted;
    return background.data[(c % background.rows) * background.cols + (anchor % background.cols)]!;
  };
}

/** Prototype value of a raw or end-to-end synthetic seg head at (mask k, row y, col x). */
export function protoValue(k: number, y: number, x: number): number {
  return Math.fround(patternValue(k + y, x + 3 * k));
}

export function makeProtos(nm: number, height: number, width: number, batch = 1): Float32Array {
  const out = new Float32Array(batch * nm * height * width);
  let i = 0;
  for (let b = 0; b < batch; b++) for (let k = 0; k < nm; k++) for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[i++] = protoValue(k, y, x);
  return out;
}

function rawHeadModel(spec: RawHeadSpec): Uint8Array {
  const { imgsz, nm, anchors, background, nc } = resolvedRaw(spec);
  checkImgsz(imgsz);
  if (!Number.isInteger(nc) || nc < 1) throw specError(`nc must be a positive integer, got ${nc}`);
  if (!Number.isInteger(nm) || nm < 0) throw specError(`nm must be a non-negative integer, got ${nm}`);
  if (background.data.length !== background.rows * background.cols) throw specError('background data does not match rows x cols');
  if (spec.boxes && spec.boxes.length !== 4 * anchors) throw specError(`boxes must hold 4 x ${anchors} values`);
  if (spec.protos && nm === 0) throw specError('protos need nm > 0');
  const seen = new Set<number>();
  for (const h of spec.hot) {
    if (!(h.anchor >= 0 && h.anchor < anchors && h.classId >= 0 && h.classId < nc && Number.isInteger(h.anchor) && Number.isInteger(h.classId))) {
      throw specError(`hot score at class ${h.classId}, anchor ${h.anchor} is out of range`);
    }
    const key = h.classId * 2 ** 26 + h.anchor;
    if (seen.has(key)) throw specError(`hot score at class ${h.classId}, anchor ${h.anchor} is given twice`);
    seen.add(key);
  }

  const dep = inputDependency();
  const nodes = [...dep.nodes];
  const inits = [...dep.inits];
  const valueAt = rawHeadValues(spec);
  const boxes = new Float32Array(4 * anchors);
  for (let c = 0; c < 4; c++) for (let a = 0; a < anchors; a++) boxes[c * anchors + a] = valueAt(c, a);
  inits.push(initializer('boxes', 'float32', [1, 4, anchors], boxes));

  // scores: (pattern + 0*mean) tiled and cropped to [1, nc, N], then the hot scores scattered in;
  // the input dependency comes first so nothing downstream is constant-folded to 154 MB
  const { rows, cols } = background;
  inits.push(initializer('bg_pattern', 'float32', [1, rows, cols], background.data));
  inits.push(initializer('bg_repeats', 'int64', [3], [1, Math.ceil(nc / rows), Math.ceil(anchors / cols)]));
  inits.push(initializer('crop_starts', 'int64', [2], [0, 0]));
  inits.push(initializer('crop_ends', 'int64', [2], [nc, anchors]));
  inits.push(initializer('crop_axes', 'int64', [2], [1, 2]));
  nodes.push(node('Add', ['bg_pattern', ZERO], ['bg_live']));
  nodes.push(node('Tile', ['bg_live', 'bg_repeats'], ['bg_tiled']));
  nodes.push(node('Slice', ['bg_tiled', 'crop_starts', 'crop_ends', 'crop_axes'], ['bg_scores']));
  let scores = 'bg_scores';
  if (spec.hot.length > 0) {
    const indices = spec.hot.flatMap((h) => [0, h.classId, h.anchor]);
    inits.push(initializer('hot_indices', 'int64', [spec.hot.length, 3], indices));
    inits.push(initializer('hot_scores', 'float32', [spec.hot.length], spec.hot.map((h) => h.score)));
    nodes.push(node('ScatterND', ['bg_scores', 'hot_indices', 'hot_scores'], ['scores']));
    scores = 'scores';
  }
  const parts = ['boxes', scores];
  if (nm > 0) {
    const coeffs = new Float32Array(nm * anchors);
    for (let k = 0; k < nm; k++) for (let a = 0; a < anchors; a++) coeffs[k * anchors + a] = patternValue(k, a);
    inits.push(initializer('coeffs', 'float32', [1, nm, anchors], coeffs));
    parts.push('coeffs');
  }
  const channels = 4 + nc + nm;
  nodes.push(node('Concat', parts, [spec.transposed ? 'head_cm' : 'output0'], { axis: 1 }));
  if (spec.transposed) nodes.push(node('Transpose', ['head_cm'], ['output0'], { perm: [0, 2, 1] }));
  const outputs = [valueInfo('output0', 'float32', spec.transposed ? [1, anchors, channels] : [1, channels, anchors])];
  if (spec.protos) {
    const ph = imgsz[0] / 4;
    const pw = imgsz[1] / 4;
    if (!Number.isInteger(ph) || !Number.isInteger(pw)) throw specError('imgsz must be a multiple of 4 for protos');
    inits.push(initializer('protos_const', 'float32', [1, nm, ph, pw], makeProtos(nm, ph, pw)));
    nodes.push(node('Add', ['protos_const', ZERO], ['output1']));
    outputs.push(valueInfo('output1', 'float32', [1, nm, ph, pw]));
  }
  const model = makeModel({
    inputs: [imagesInput(1, imgsz)],
    outputs,
    nodes,
    initializers: inits,
    metadata: spec.metadata ?? {},
    graphName: 'synthetic_raw_head',
  });
  return writeOnnx(model);
}

/**
 * Builds a synthetic head model as ONNX bytes.
 * @example makeSyntheticHeadModel(endToEndHeadSpec({ rows: [{ box: [10, 20, 110, 220], score: 0.9, classId: 3 }] }))
 */
export function makeSyntheticHeadModel(spec: SyntheticHeadSpec): Uint8Array {
  if (spec.kind === 'const') return constHeadModel(spec);
  if (spec.kind === 'raw') return rawHeadModel(spec);
  throw specError(`unknown kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
}

// ------------------------------------------------------------------ end-to-end head specs

/** One detection row of an end-to-end head, in network-input pixels. */
export interface EndToEndRow {
  box: [number, number, number, number];
  score: number;
  classId: number;
  /** nm mask coefficients; default patternValue(row, k) */
  coeffs?: number[];
}

export interface EndToEndHeadOptions {
  /** rows of image 0, or one list per batch image; the rest of the maxDet rows are zeros */
  rows: EndToEndRow[] | EndToEndRow[][];
  /** default 300 */
  maxDet?: number;
  /** mask coefficients per row; > 0 adds `output1` protos `[B, nm, H/4, W/4]`; default 0 */
  nm?: number;
  /** proto values; default makeProtos() */
  protos?: Float32Array;
  imgsz?: [number, number];
  /** class names for the metadata; default class0..class79 */
  names?: string[];
  /** 'end2end': YOLO26 / YOLOE-26 head (metadata end2end=True); 'nms': an `nms=True` export */
  exportKind?: 'end2end' | 'nms';
}

/**
 * A const spec for an end-to-end head `output0 [B, maxDet, 6 + nm]` (x1, y1, x2, y2, score,
 * class, coefficients), with Ultralytics metadata.
 */
export function endToEndHeadSpec(opts: EndToEndHeadOptions): ConstHeadSpec {
  const maxDet = opts.maxDet ?? 300;
  const nm = opts.nm ?? 0;
  const imgsz = opts.imgsz ?? [640, 640];
  const perImage: EndToEndRow[][] = opts.rows.length > 0 && Array.isArray(opts.rows[0]) ? (opts.rows as EndToEndRow[][]) : [opts.rows as EndToEndRow[]];
  const batch = perImage.length;
  const width = 6 + nm;
  const data = new Float32Array(batch * maxDet * width);
  perImage.forEach((rows, b) => {
    if (rows.length > maxDet) throw specError(`${rows.length} rows exceed maxDet ${maxDet}`);
    rows.forEach((row, r) => {
      const at = (b * maxDet + r) * width;
      data.set([...row.box, row.score, row.classId], at);
      for (let k = 0; k < nm; k++) data[at + 6 + k] = row.coeffs?.[k] ?? patternValue(r, k);
    });
  });
  const outputs: SyntheticOutput[] = [{ name: 'output0', dims: [batch, maxDet, width], data }];
  if (nm > 0) {
    const ph = imgsz[0] / 4;
    const pw = imgsz[1] / 4;
    const protos = opts.protos ?? makeProtos(nm, ph, pw, batch);
    outputs.push({ name: 'output1', dims: [batch, nm, ph, pw], data: protos });
  }
  const names = opts.names ?? Array.from({ length: 80 }, (_, i) => `class${i}`);
  const kind = opts.exportKind ?? 'end2end';
  const metadata = formatUltralyticsMetadata({
    names,
    imgsz,
    task: nm > 0 ? 'segment' : 'detect',
    batch,
    end2end: kind === 'end2end',
    nms: kind === 'nms',
  });
  return { kind: 'const', imgsz, batch, outputs, metadata };
}
