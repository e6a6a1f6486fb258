import { YoloeTrtError, invalidOption } from '../errors.js';
import { fromHalfArray } from '../image/fp16.js';
import type { Candidate, CompactedHead, DecodeOptions, Detection, HeadLayout, ImageResult, LetterboxGeometry, Tensor } from '../types.js';
import { scaleBoxToOriginal } from './boxes.js';
import { capCandidates, scanRawHead } from './candidates.js';
import { compactedCandidates, compactedOffsets } from './compacted.js';
import { scanEnd2End } from './end2end.js';
import { RegionMask, assembleMasksCompact } from './masks.js';
import { nativeAssembleMasksCompact, nativeNms, nativeScanRawHead, useNativeKernels } from '../native/kernels.js';
import { nms } from './nms.js';
import { dropNonFinite } from './finite.js';

export { detectLayout, type LayoutHints } from './layout.js';
export { resolveDecodeOptions, DEFAULT_DECODE_OPTIONS, MAX_NMS_CANDIDATES } from './options.js';
export { scanRawHead, capCandidates, TopCandidates } from './candidates.js';
export { compactedCandidates, compactedOffsets } from './compacted.js';
export { nms, CLASS_OFFSET } from './nms.js';
export { scanEnd2End } from './end2end.js';
export { scaleBoxToOriginal, scaleXyxyToOriginal } from './boxes.js';
export { assembleMasks, assembleMasksCompact, expandMask, padCrop, RegionMask, type CompactMask, type MaskOptions } from './masks.js';
export { maskToRle, rleToMask, rleArea, rleToString, rleFromString } from './rle.js';
export { maskToPolygons, type PolygonOptions } from './polygons.js';

export interface DecodeBatchOptions extends DecodeOptions {
  /** assemble instance masks; default: when the layout has protos. true without protos is an error */
  masks?: boolean;
  /** Ultralytics `retina_masks`; default false */
  retina?: boolean;
}

/** A head tensor as float32 (fp16 outputs are widened exactly). */
function asFloat32(t: Tensor, name: string): Float32Array {
  if (t.dtype === 'float32' && t.data instanceof Float32Array) return t.data;
  if (t.dtype === 'float16' && t.data instanceof Uint16Array) return fromHalfArray(t.data);
  throw new YoloeTrtError('ERR_SHAPE', `Output ${name} is ${t.dtype}; the decoder reads float32 or float16 outputs`, { output: name });
}

function shapeError(name: string, dims: number[], expected: string): YoloeTrtError {
  return new YoloeTrtError('ERR_SHAPE', `Output ${name} has shape [${dims.join(', ')}], expected ${expected}`, { output: name, dims });
}

function tensorOf(outputs: Record<string, Tensor>, name: string): Tensor {
  const t = outputs[name];
  if (!t) throw new YoloeTrtError('ERR_SHAPE', `Output ${name} is missing from the results (have: ${Object.keys(outputs).join(', ') || 'none'})`, { output: name });
  const size = t.dims.reduce((a, b) => a * b, 1);
  if (t.data.length !== size) throw shapeError(name, t.dims, `${size} elements to match its data of ${t.data.length}`);
  return t;
}

/** The head output as float32, checked to be rank 3 with a row per image. */
function readHead(outputs: Record<string, Tensor>, name: string, images: number): { head: Float32Array; dims: number[]; d1: number; d2: number } {
  const t = tensorOf(outputs, name);
  const dims = t.dims;
  if (dims.length !== 3) throw shapeError(name, dims, 'a rank-3 head');
  if (images > dims[0]!) throw shapeError(name, dims, `a batch of at least ${images} images`);
  return { head: asFloat32(t, name), dims, d1: dims[1]!, d2: dims[2]! };
}

/**
 * Turns a batch of head outputs into per-image detections in original-image pixels: candidates
 * (raw heads: threshold + NMS; end-to-end heads: threshold only), boxes mapped back through each
 * image's letterbox, and, for segmentation heads, instance masks over the original image.
 *
 * `geometries[b]` is image b's letterbox; a batch may hold more rows than images (padding).
 * Detections come best first (NMS order) for raw heads, row order for end-to-end heads;
 * `label = names[classId] ?? 'class<id>'`.
 *
 * `compacted`: a raw head's candidates as the device kept them (TensorRT's decode kernel), in
 * place of the head in `outputs` (which then need only the protos): they go through the same
 * maxNms cap, non-finite drop, NMS and masks, so the result equals decoding the full head.
 * @example decodeBatch({ output0 }, layout, [geometry], names, resolveDecodeOptions({ conf: 0.4 }))
 */
export function decodeBatch(
  outputs: Record<string, Tensor>,
  layout: HeadLayout,
  geometries: LetterboxGeometry[],
  names: string[],
  opts: DecodeBatchOptions,
  compacted?: CompactedHead,
): ImageResult[] {
  if (compacted !== undefined && (layout.kind !== 'raw' || layout.transposed || compacted.output !== layout.output)) {
    throw new YoloeTrtError('ERR_SHAPE', `Compacted candidates of ${compacted.output} do not match the head ${layout.output} (compaction reads raw [B, 4 + nc + nm, N] heads only)`, { output: compacted.output });
  }

  const wantMasks = opts.masks ?? layout.protos !== undefined;
  if (wantMasks && layout.protos === undefined) throw invalidOption('masks', 'false (this model has no mask prototypes)', opts.masks);
  let protos: Float32Array | undefined;
  let protoDims: number[] = [];
  if (wantMasks && layout.protos !== undefined) {
    const t = tensorOf(outputs, layout.protos);
    protoDims = t.dims;
    if (protoDims.length !== 4 || protoDims[0] < geometries.length || protoDims[1] !== layout.nm) {
      throw shapeError(layout.protos, protoDims, `[B, ${layout.nm}, ph, pw] protos`);
    }
    protos = asFloat32(t, layout.protos);
  }

  // the native twins give the same results faster (test/native.test.ts, bench:native)
  const native = useNativeKernels();
  const scanRaw = native ? nativeScanRawHead : scanRawHead;
  const suppress = native ? nativeNms : nms;
  const masksOf = native ? nativeAssembleMasksCompact : assembleMasksCompact;

  // per layout: how to find candidates, and where candidate i's k-th mask coefficient sits
  let scan: (b: number) => Candidate[];
  let coeffAt: (b: number, index: number, k: number) => number;
  // per image: candidates dropped for non-finite values (both kernel paths go through here)
  const nonFinite = new Array<number>(geometries.length).fill(0);
  const finite = (b: number, cands: Candidate[]): Candidate[] => {
    const nm = protos !== undefined ? layout.nm : 0;
    const { kept, dropped } = dropNonFinite(cands, nm ? (c) => { for (let k = 0; k < nm; k++) if (!Number.isFinite(coeffAt(b, c.index, k))) return false; return true; } : undefined);
    nonFinite[b] = (nonFinite[b] ?? 0) + dropped;
    return kept;
  };
  if (compacted !== undefined) {
    // the device applied scanRawHead's rule but not its maxNms cap: the cap acts here, before the non-finite drop as there
    const nm = layout.nm;
    const offsets = compactedOffsets(compacted, layout.kind === 'raw' ? layout.nc : 0, protos !== undefined ? nm : 0, geometries.length);
    const N = compacted.anchors;
    const coefficients = compacted.coefficients;
    scan = (b) => suppress(finite(b, capCandidates(compactedCandidates(compacted, b, offsets[b]!), opts.maxNms)), opts);
    coeffAt = (b, a, k) => coefficients![(b * nm + k) * N + a]!;
  } else if (layout.kind === 'raw') {
    const { head, dims, d1, d2 } = readHead(outputs, layout.output, geometries.length);
    const channels = layout.transposed ? d2 : d1;
    const anchors = layout.transposed ? d1 : d2;
    if (channels !== 4 + layout.nc + layout.nm) throw shapeError(layout.output, dims, `${4 + layout.nc + layout.nm} channels (4 + ${layout.nc} classes + ${layout.nm} mask coefficients)`);
    const first = 4 + layout.nc;
    scan = (b) => suppress(finite(b, scanRaw(head, b, channels, anchors, layout.nc, opts, layout.transposed)), opts);
    coeffAt = layout.transposed
      ? (b, a, k) => head[(b * anchors + a) * channels + first + k]
      : (b, a, k) => head[(b * channels + first + k) * anchors + a];
  } else {
    const { head, dims, d1, d2 } = readHead(outputs, layout.output, geometries.length);
    if (d2 !== 6 + layout.nm) throw shapeError(layout.output, dims, `[B, K, ${6 + layout.nm}] end-to-end rows`);
    scan = (b) => finite(b, scanEnd2End(head, b, d1, d2, layout.nm, opts));
    coeffAt = (b, row, k) => head[(b * d1 + row) * d2 + 6 + k];
  }

  return geometries.map((g, b) => {
    const cands = scan(b);
    const detections: Detection[] = cands.map((c) => ({
      box: scaleBoxToOriginal(c, g),
      score: c.score,
      classId: c.classId,
      label: names[c.classId] ?? `class${c.classId}`,
    }));
    if (protos !== undefined && cands.length > 0) {
      const [, nm, ph, pw] = protoDims;
      const coeffs = new Float32Array(cands.length * nm);
      const boxes = new Float32Array(cands.length * 4);
      cands.forEach((c, i) => {
        for (let k = 0; k < nm; k++) coeffs[i * nm + k] = coeffAt(b, c.index, k);
        boxes.set([c.x1, c.y1, c.x2, c.y2], i * 4);
      });
      const plane = nm * ph * pw;
      const masks = masksOf(protos.subarray(b * plane, (b + 1) * plane), nm, ph, pw, coeffs, boxes, g, { retina: opts.retina });
      masks.forEach((m, i) => (detections[i].mask = new RegionMask(m)));
    }
    return { width: g.srcWidth, height: g.srcHeight, detections, ...(nonFinite[b] ? { stats: { nonFinite: nonFinite[b]! } } : {}) };
  });
}
