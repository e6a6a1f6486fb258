/**
 * The shapes that cross module boundaries. image/, decode/, backends/ and quantize/ agree on
 * these and nothing else; keep this file free of logic.
 */

import type { NativeCompactRequest, NativeCompactedHead } from '../binding-tensorrt.js';
import type { VocabularyInfo } from './vocabulary.js';

// ---------------------------------------------------------------- images

/** Raw interleaved 8-bit pixels (HWC), 1..4 channels, as a user may pass them. */
export interface RawImage {
  data: Uint8Array | Uint8ClampedArray | Buffer;
  width: number;
  height: number;
  channels: number;
}

/** Anything `detect()` accepts as one image: a file path, encoded bytes, or raw pixels. */
export type ImageInput = string | Buffer | Uint8Array | RawImage;

/** A decoded image, always 3-channel RGB HWC uint8 after EXIF rotation, alpha flattening and grey expansion. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Ultralytics LetterBox geometry: how the original image sits inside the network input. */
export interface LetterboxGeometry {
  /** original image size */
  srcWidth: number;
  srcHeight: number;
  /** network input size (after `auto` shrinking for dynamic models) */
  dstWidth: number;
  dstHeight: number;
  /** r = min(H/h, W/w) (or min(1, ...) when scale-up is off) */
  ratio: number;
  /** resized content size: Python round(w*r), round(h*r) */
  newWidth: number;
  newHeight: number;
  /** pads in pixels */
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export type TensorDtype = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64' | 'bool';

/** A dense tensor. float16 data is carried as raw IEEE half bits in a Uint16Array. */
export interface Tensor {
  dtype: TensorDtype;
  dims: number[];
  data: Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

// ---------------------------------------------------------------- models

/** One input or output of a model; a dim is a number when static, a string/-1 symbol when dynamic. */
export interface TensorInfo {
  name: string;
  dtype: TensorDtype;
  dims: (number | string)[];
  /** TensorRT engines, dynamic inputs: the optimization profile's range (full dims) */
  profile?: { min: number[]; opt: number[]; max: number[] };
}

/**
 * How the head's output is laid out.
 * - raw: `[B, 4 + nc + nm, N]` (cx, cy, w, h, class scores already sigmoid, mask coefficients),
 *   or transposed `[B, N, 4 + nc + nm]` when `transposed` is true.
 * - end2end: `[B, K, 6 + nm]` rows of x1, y1, x2, y2, score, class, coefficients (YOLO26 /
 *   YOLOE-26 end-to-end heads and Ultralytics `nms=True` exports, zero-padded).
 * `protos` names the prototype output `[B, nm, H/4, W/4]` for segmentation models.
 */
export type HeadLayout =
  | { kind: 'raw'; output: string; nc: number; nm: number; anchors: number; transposed: boolean; protos?: string }
  | { kind: 'end2end'; output: string; nm: number; maxDet: number; protos?: string };

export type Task = 'detect' | 'segment';

export interface ModelInfo {
  /** where it came from and what runs it */
  path: string;
  format: 'onnx' | 'engine';
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  layout: HeadLayout;
  task: Task;
  /** class names, index = class id (from metadata, options, or generated "class<i>") */
  names: string[];
  /** network input size [height, width] */
  imgsz: [number, number];
  stride: number;
  /** true when height/width of the input are dynamic */
  dynamicShape: boolean;
  /** true when the batch dim is dynamic */
  dynamicBatch: boolean;
  /** static batch size, or undefined when dynamic */
  batch?: number;
  inputDtype: 'float32' | 'float16';
  /** raw metadata key/value pairs as stored in the model */
  metadata: Record<string, string>;
  /** the image input's name (run-time-vocabulary models have a second, class-embeddings input) */
  imageInput: string;
  /** fixed classes, run-time class embeddings, or a prompt-free head (lib/vocabulary.ts) */
  vocabulary: VocabularyInfo;
  /**
   * where detect() letterboxes (and compacts raw heads): 'gpu' (TensorRT, native/cuda kernels)
   * or 'cpu' (lib/image); set by the Model from loadModel's `preprocess` option
   */
  preprocessing?: 'gpu' | 'cpu';
  /** why detect() preprocesses on the CPU of a TensorRT engine (`preprocess: 'auto'` found the GPU path unusable) */
  preprocessingReason?: string;
}

// ---------------------------------------------------------------- decoding

/** Options of the post-processing, with Ultralytics' defaults. */
export interface DecodeOptions {
  /** keep candidates whose best score is strictly above this; default 0.25 */
  conf: number;
  /** NMS IoU threshold, suppress IoU > iou; default 0.7 */
  iou: number;
  /** at most this many detections per image; default 300 */
  maxDet: number;
  /** at most this many candidates into NMS; default 30000 */
  maxNms: number;
  /** class-agnostic NMS; default false */
  agnostic: boolean;
  /** every class above conf becomes a candidate; default false */
  multiLabel: boolean;
  /** keep only these class ids; default all */
  classes?: number[];
}

/**
 * Candidate compaction on the device (TensorRT's decode kernel) for a raw `[B, 4 + nc + nm, N]`
 * head, and what it returns: the rule of lib/decode/candidates.ts scanRawHead without its maxNms
 * cap and non-finite filter; image b's candidates are entries [offset(b), offset(b) + counts[b]),
 * offset(b) = the sum of the counts before it, sorted by (anchor index, classId); candidate a's
 * k-th mask coefficient sits at `coefficients[(b * nm + k) * N + a]`. One definition, the
 * addon's (binding-tensorrt.d.ts); lib/ names them here.
 */
export type CompactRequest = NativeCompactRequest;
export type CompactedHead = NativeCompactedHead;

/** A candidate in network-input pixels, before mapping back to the original image. */
export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classId: number;
  /** index of the anchor (raw) or row (end2end) it came from, to fetch mask coefficients */
  index: number;
}

/**
 * A binary mask over the full original image, row-major, 1 = object. Masks from detect() store
 * only their box region and build `data` on first access (see RegionMask in lib/decode/masks.ts).
 */
export interface BinaryMask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** COCO run-length encoding (column-major counts, starting with a run of zeros). */
export interface CocoRle {
  size: [number, number]; // [height, width]
  counts: number[];
}

export interface Detection {
  /** [x1, y1, x2, y2] in original-image pixels, clipped to the image */
  box: [number, number, number, number];
  score: number;
  classId: number;
  label: string;
  /** present for segmentation models when masks are requested */
  mask?: BinaryMask;
}

/** The result for one image. */
export interface ImageResult {
  width: number;
  height: number;
  detections: Detection[];
  /** present only when something was dropped: `nonFinite` candidates had NaN / infinite boxes, scores or mask coefficients */
  stats?: { nonFinite: number };
}
