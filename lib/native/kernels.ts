import type { NativeBinding, NativeCandidates, NativeHistogramStats, NativeMasks } from '../../binding.js';
import type { CompactMask, MaskOptions } from '../decode/masks.js';
import { YoloeTrtError } from '../errors.js';
import type { Candidate, DecodeOptions, LetterboxGeometry, RgbImage } from '../types.js';
import { loadAddon } from './addon.js';
import { callNative, callNativeAsync } from './errors.js';

/**
 * Typed wrappers over the addon's hot paths, with the same signatures and results as the
 * TypeScript references they twin (lib/image/pack.ts, lib/decode/candidates.ts, nms.ts,
 * masks.ts). Each has an Async variant that runs off the JS thread. Every native error is a
 * YoloeTrtError; without the addon they throw ERR_BACKEND_UNAVAILABLE (check `nativeKernelsAvailable()`).
 */

/** True when the addon loaded, so the native paths can be used. */
export function nativeKernelsAvailable(): boolean {
  return loadAddon().binding !== null;
}

/**
 * Whether the pipeline runs its hot loops natively: yes when the addon loaded (the bench shows
 * every native stage faster, and tests hold them equal to the TS references), unless
 * YOLOE_TRT_KERNELS=ts asks for the TypeScript paths.
 */
export function useNativeKernels(): boolean {
  return process.env.YOLOE_TRT_KERNELS !== 'ts' && nativeKernelsAvailable();
}

function binding(): NativeBinding {
  const status = loadAddon();
  if (!status.binding) throw new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', status.error ?? 'native addon not loaded');
  return status.binding;
}

// ---------------------------------------------------------------- letterbox

function letterboxJob(img: RgbImage, geom: LetterboxGeometry, out: Float32Array | Uint16Array | Uint8Array | undefined, offset: number, padValue?: number) {
  if (!img || typeof img !== 'object') throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected an RgbImage for image but received ' + String(img));
  if (img.width !== geom.srcWidth || img.height !== geom.srcHeight) {
    throw new YoloeTrtError('ERR_SHAPE', `image is ${img.width}x${img.height} but the letterbox geometry was computed for ${geom.srcWidth}x${geom.srcHeight}`);
  }
  const output = out === undefined || out instanceof Float32Array ? 'float32' : out instanceof Uint16Array ? 'float16' : 'uint8';
  return {
    src: img.data,
    width: img.width,
    height: img.height,
    dstWidth: geom.dstWidth,
    dstHeight: geom.dstHeight,
    newWidth: geom.newWidth,
    newHeight: geom.newHeight,
    left: geom.left,
    top: geom.top,
    padValue,
    output,
    out,
    offset,
  } as const;
}

/**
 * Native twin of `letterboxInto` (lib/image/pack.ts): resize (OpenCV INTER_LINEAR), pad,
 * /255, HWC -> CHW into `out` at element `offset`; float32, or fp16 bits for a Uint16Array.
 * @example nativeLetterboxInto(img, letterboxGeometry(img.width, img.height, 640, 640), tensor);
 */
export function nativeLetterboxInto(img: RgbImage, geom: LetterboxGeometry, out: Float32Array | Uint16Array, offset = 0, opts: { padValue?: number } = {}): void {
  const b = binding();
  callNative(() => b.letterbox(letterboxJob(img, geom, out, offset, opts.padValue)));
}

export async function nativeLetterboxIntoAsync(img: RgbImage, geom: LetterboxGeometry, out: Float32Array | Uint16Array, offset = 0, opts: { padValue?: number } = {}): Promise<void> {
  const b = binding();
  await callNativeAsync(() => b.letterboxAsync(letterboxJob(img, geom, out, offset, opts.padValue)));
}

/** Native twin of `letterboxU8`: the letterboxed canvas as uint8 RGB HWC. */
export function nativeLetterboxU8(img: RgbImage, geom: LetterboxGeometry, opts: { padValue?: number } = {}): Uint8Array {
  const b = binding();
  const out = new Uint8Array(geom.dstWidth * geom.dstHeight * 3);
  callNative(() => b.letterbox(letterboxJob(img, geom, out, 0, opts.padValue)));
  return out;
}

// ---------------------------------------------------------------- candidates and NMS

function toCandidates(c: NativeCandidates): Candidate[] {
  const n = c.scores.length;
  const out: Candidate[] = new Array(n);
  const b = c.boxes;
  for (let i = 0; i < n; i++) {
    out[i] = { x1: b[4 * i], y1: b[4 * i + 1], x2: b[4 * i + 2], y2: b[4 * i + 3], score: c.scores[i], classId: c.classIds[i], index: c.indices[i] };
  }
  return out;
}

function scanJob(out: Float32Array | Uint16Array, batchIndex: number, channels: number, anchors: number, nc: number, opts: DecodeOptions, transposed: boolean) {
  return { head: out, batchIndex, channels, anchors, nc, transposed, conf: opts.conf, multiLabel: opts.multiLabel, maxNms: opts.maxNms, classes: opts.classes ?? null };
}

/**
 * Native twin of `scanRawHead` (lib/decode/candidates.ts); also takes fp16 heads (Uint16Array bits).
 * @example const cands = nativeScanRawHead(output0, 0, 84, 8400, 80, resolveDecodeOptions({}), false);
 */
export function nativeScanRawHead(out: Float32Array | Uint16Array, batchIndex: number, channels: number, anchors: number, nc: number, opts: DecodeOptions, transposed: boolean): Candidate[] {
  const b = binding();
  return toCandidates(callNative(() => b.scanCandidates(scanJob(out, batchIndex, channels, anchors, nc, opts, transposed))));
}

export async function nativeScanRawHeadAsync(out: Float32Array | Uint16Array, batchIndex: number, channels: number, anchors: number, nc: number, opts: DecodeOptions, transposed: boolean): Promise<Candidate[]> {
  const b = binding();
  return toCandidates(await callNativeAsync(() => b.scanCandidatesAsync(scanJob(out, batchIndex, channels, anchors, nc, opts, transposed))));
}

function nmsJob(cands: Candidate[], opts: Pick<DecodeOptions, 'iou' | 'maxDet' | 'agnostic'>) {
  const n = cands.length;
  const boxes = new Float32Array(4 * n);
  const scores = new Float32Array(n);
  const classIds = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = cands[i];
    boxes[4 * i] = c.x1;
    boxes[4 * i + 1] = c.y1;
    boxes[4 * i + 2] = c.x2;
    boxes[4 * i + 3] = c.y2;
    scores[i] = c.score;
    classIds[i] = c.classId;
  }
  return { boxes, scores, classIds, iou: opts.iou, maxDet: opts.maxDet, agnostic: opts.agnostic };
}

/** Native twin of `nms` (lib/decode/nms.ts): the kept candidates, best first. Candidate fields must be float32 values. */
export function nativeNms(cands: Candidate[], opts: Pick<DecodeOptions, 'iou' | 'maxDet' | 'agnostic'>): Candidate[] {
  const b = binding();
  const kept = callNative(() => b.nms(nmsJob(cands, opts)));
  return Array.from(kept, (i) => cands[i]);
}

export async function nativeNmsAsync(cands: Candidate[], opts: Pick<DecodeOptions, 'iou' | 'maxDet' | 'agnostic'>): Promise<Candidate[]> {
  const b = binding();
  const kept = await callNativeAsync(() => b.nmsAsync(nmsJob(cands, opts)));
  return Array.from(kept, (i) => cands[i]);
}

// ---------------------------------------------------------------- masks

function masksJob(protos: Float32Array, nm: number, ph: number, pw: number, coeffs: Float32Array, inputBoxes: Float32Array | number[], g: LetterboxGeometry, opts: MaskOptions) {
  const boxes = inputBoxes instanceof Float32Array ? inputBoxes : Float32Array.from(inputBoxes);
  const n = Math.floor(boxes.length / 4);
  return {
    protos,
    nm,
    ph,
    pw,
    coeffs: coeffs.length === n * nm ? coeffs : coeffs.subarray(0, n * nm),
    boxes: boxes.length === 4 * n ? boxes : boxes.subarray(0, 4 * n),
    geometry: { srcWidth: g.srcWidth, srcHeight: g.srcHeight, dstWidth: g.dstWidth, dstHeight: g.dstHeight, ratio: g.ratio, left: g.left, top: g.top },
    retina: opts.retina ?? false,
  };
}

function toCompact(m: NativeMasks, g: LetterboxGeometry): CompactMask[] {
  const n = m.regions.length / 4;
  const out: CompactMask[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const [x0, y0, x1, y1] = m.regions.subarray(4 * i, 4 * i + 4);
    const len = (x1 - x0) * (y1 - y0);
    out[i] = { width: g.srcWidth, height: g.srcHeight, x0, y0, x1, y1, data: m.data.subarray(at, at + len) };
    at += len;
  }
  return out;
}

/**
 * Native twin of `assembleMasksCompact` (lib/decode/masks.ts): compact masks over the original image.
 * `protos` is one image's [nm, ph, pw]; `coeffs` n x nm; `inputBoxes` n x 4 float32 network-input boxes.
 */
export function nativeAssembleMasksCompact(protos: Float32Array, nm: number, ph: number, pw: number, coeffs: Float32Array, inputBoxes: Float32Array | number[], g: LetterboxGeometry, opts: MaskOptions = {}): CompactMask[] {
  const b = binding();
  return toCompact(callNative(() => b.assembleMasks(masksJob(protos, nm, ph, pw, coeffs, inputBoxes, g, opts))), g);
}

export async function nativeAssembleMasksCompactAsync(protos: Float32Array, nm: number, ph: number, pw: number, coeffs: Float32Array, inputBoxes: Float32Array | number[], g: LetterboxGeometry, opts: MaskOptions = {}): Promise<CompactMask[]> {
  const b = binding();
  return toCompact(await callNativeAsync(() => b.assembleMasksAsync(masksJob(protos, nm, ph, pw, coeffs, inputBoxes, g, opts))), g);
}

// ---------------------------------------------------------------- calibration histograms

/**
 * Adds |values| to `counts` (one element per bin, equal bins over [0, range]):
 * bin = min(bins - 1, floor(|x| * bins / range)); NaN skipped and counted apart.
 * @example const counts = new Float64Array(2048); nativeAbsHistogram(activations, counts, maxAbs);
 */
export function nativeAbsHistogram(values: Float32Array, counts: Float64Array, range: number): NativeHistogramStats {
  const b = binding();
  return callNative(() => b.histogram({ values, counts, range }));
}
