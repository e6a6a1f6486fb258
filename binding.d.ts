/**
 * The whole surface of the native addon (build/Release/yoloe_trt.node or a prebuild), the only
 * thing that crosses between TypeScript and C++. Every function validates its job object in
 * C++ and throws (or, for the *Async variants, may also reject with) an Error whose `code` is a
 * lib/errors.ts YoloeTrtErrorCode ('ERR_INVALID_OPTION', 'ERR_SHAPE', 'ERR_NATIVE', ...).
 * Sync variants run on the calling thread (small work); *Async variants run on the libuv pool
 * and return a promise. Input typed arrays must not be modified while an async job runs.
 */

/** One image into a letterboxed canvas / normalised CHW planes. */
export interface NativeLetterboxJob {
  /** RGB HWC pixels */
  src: Uint8Array | Uint8ClampedArray;
  width: number;
  height: number;
  /** bytes between rows; default width * 3 */
  stride?: number;
  dstWidth: number;
  dstHeight: number;
  newWidth: number;
  newHeight: number;
  left: number;
  top: number;
  /** default 114 */
  padValue?: number;
  /** 'float32' / 'float16' (fp16 bits): [3, dstHeight, dstWidth] planes of p / 255; 'uint8': the HWC canvas. Default 'float32' */
  output?: 'float32' | 'float16' | 'uint8';
  /** destination (Float32Array, Uint16Array or Uint8Array to match `output`); default a new array */
  out?: Float32Array | Uint16Array | Uint8Array;
  /** element offset into `out`; default 0 */
  offset?: number;
}

/** One image of a raw head `[B, 4 + nc + nm, N]` (or transposed `[B, N, C]`). */
export interface NativeScanJob {
  /** float32, or fp16 bits */
  head: Float32Array | Uint16Array;
  batchIndex?: number;
  channels: number;
  anchors: number;
  nc: number;
  transposed?: boolean;
  /** strict >; default 0.25 */
  conf?: number;
  multiLabel?: boolean;
  /** default 30000 */
  maxNms?: number;
  classes?: number[] | Int32Array | null;
}

/** Candidates in anchor order (multi-label: anchor then class), capped at maxNms. */
export interface NativeCandidates {
  /** x1, y1, x2, y2 per candidate, network-input pixels */
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
  /** anchor index of each candidate */
  indices: Int32Array;
}

export interface NativeNmsJob {
  boxes: Float32Array;
  scores: Float32Array;
  classIds: Int32Array;
  /** default 0.7 */
  iou?: number;
  /** default 300 */
  maxDet?: number;
  agnostic?: boolean;
}

export interface NativeMaskGeometry {
  srcWidth: number;
  srcHeight: number;
  dstWidth: number;
  dstHeight: number;
  ratio: number;
  left: number;
  top: number;
}

export interface NativeMasksJob {
  /** [nm, ph, pw] of one image, starting at element protoOffset */
  protos: Float32Array;
  protoOffset?: number;
  nm: number;
  ph: number;
  pw: number;
  /** n x nm */
  coeffs: Float32Array;
  /** n x 4 (x1, y1, x2, y2) in network-input pixels */
  boxes: Float32Array;
  geometry: NativeMaskGeometry;
  retina?: boolean;
}

/** Compact masks: detection i is 0 outside regions[4i..4i+3] = x0, y0, x1, y1 (original image). */
export interface NativeMasks {
  regions: Int32Array;
  /** every mask's rectangle, row-major, one after the other */
  data: Uint8Array;
}

export interface NativeHistogramJob {
  values: Float32Array;
  /** one element per bin over [0, range]; accumulated in place */
  counts: Float64Array;
  range: number;
}

export interface NativeHistogramStats {
  count: number;
  nan: number;
  clipped: number;
  maxAbs: number;
}

export interface NativeCudaDevice {
  name: string;
  /** "8.7" */
  computeCapability: string;
  memoryBytes: number;
  integrated: boolean;
}

/** NVRTC (the CUDA run-time compiler the kernels are compiled with on the device), loaded at run time. */
export interface NativeNvrtc {
  found: boolean;
  /** "12.6" */
  version?: string;
  library?: string;
  /** SM architectures it can compile for (75, 80, ...) */
  architectures?: number[];
  /** why it was not found, naming every place searched */
  error?: string;
  /** per device: the architecture the kernels would be compiled for, or why not */
  deviceTargets: Array<{ target?: string; error?: string }>;
  /** where compiled kernels are cached, null when caching is off */
  cacheDir: string | null;
}

export type NativeCudaState = 'ok' | 'no-driver' | 'driver-too-old' | 'no-device' | 'error' | 'not-compiled';

export interface NativeCapabilities {
  addon: { version: string; napi: number };
  cuda: {
    compiled: boolean;
    state: NativeCudaState;
    /** always null: no CUDA runtime is linked (the driver API is loaded at run time) */
    runtimeVersion: number | null;
    /** null when no driver is installed */
    driverVersion: number | null;
    devices: NativeCudaDevice[];
    error?: string;
    nvrtc?: NativeNvrtc;
  };
}

export interface NativeBinding {
  letterbox(job: NativeLetterboxJob): Float32Array | Uint16Array | Uint8Array;
  letterboxAsync(job: NativeLetterboxJob): Promise<Float32Array | Uint16Array | Uint8Array>;
  scanCandidates(job: NativeScanJob): NativeCandidates;
  scanCandidatesAsync(job: NativeScanJob): Promise<NativeCandidates>;
  nms(job: NativeNmsJob): Int32Array;
  nmsAsync(job: NativeNmsJob): Promise<Int32Array>;
  assembleMasks(job: NativeMasksJob): NativeMasks;
  assembleMasksAsync(job: NativeMasksJob): Promise<NativeMasks>;
  histogram(job: NativeHistogramJob): NativeHistogramStats;
  histogramAsync(job: NativeHistogramJob): Promise<NativeHistogramStats>;
  capabilities(): NativeCapabilities;
  /** present when the addon was built with TensorRT headers */
  tensorrt?: import('./binding-tensorrt.js').TensorRtBinding;
}
