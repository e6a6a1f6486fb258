/**
 * `binding.tensorrt`: the TensorRT backend of the native addon (native/addon/tensorrt_binding.cpp
 * over native/tensorrt). Always present on a loaded addon. In an addon built WITHOUT TensorRT
 * headers, `compiled` is false, `probe()` says so (and still reports the library search), the
 * header-free helpers work, and buildEngine / loadEngine / engineInfo / infer / inferImages /
 * releaseEngine throw an Error with code 'ERR_BACKEND_UNAVAILABLE'.
 * Every error carries a lib/errors.ts `code`.
 */

/** What is compiled in, what the run-time library search found, and why TensorRT is unusable. */
export interface TensorRtProbe {
  /** built with TensorRT headers (the engine functions work) */
  compiled: boolean;
  /** TensorRT is loadable: compiled and libnvinfer of the headers' major found */
  usable: boolean;
  /** libnvinfer was found (possibly by an addon without headers) */
  found: boolean;
  /** "built without TensorRT headers" | "TensorRT library not loadable" when not usable */
  reason?: string;
  /** the headers compiled against, "10.3.0"; absent when not compiled */
  headerVersion?: string;
  /** majors the search accepts: the headers' one, or [10, 11] when not compiled */
  acceptedMajors: number[];
  /** every path tried for libnvinfer, in order (TENSORRT_LIB_DIR, LD_LIBRARY_PATH, standard dirs, bare names) */
  searchedPaths: string[];
  /** the library loaded and its version ("10.3.0") */
  library?: string;
  version?: string;
  /** the full not-found / refused message, listing each path and why it failed */
  error?: string;
  /** GPU letterbox (native/cuda) compiled in */
  gpuPreprocessing: boolean;
  /** the library's build number (getInferLibBuildVersion), when found */
  build?: number;
  /** engines can be built here: libnvinfer_builder_resource.so.<version> loads too */
  buildable: boolean;
  /** why not, when found but not buildable */
  buildError?: string;
}

export interface TensorRtLibrarySearch {
  majors: number[];
  dirs: string[];
  nvinfer: string[];
  nvonnxparser: string[];
}

export interface NativeEngineHeader {
  kind: 'yoloe' | 'ultralytics' | 'raw';
  /** yoloe files only; 0 otherwise */
  formatVersion: number;
  /** the metadata JSON text ('' for raw plans) */
  metadata: string;
  planOffset: number;
}

export interface NativeCacheInspection {
  status: 'valid' | 'version-mismatch' | 'algorithm-mismatch' | 'corrupt' | 'empty';
  /** version code in the header (major*10000 + minor*100 + patch), 0 when unreadable */
  version: number;
  algorithm: string;
  entries: number;
  problem: string;
  /** the cache with its header retargeted to the running version (version-mismatch only) */
  rewritten: string | null;
}

/** One validated build job (lib/build-engine.ts makes it). */
export interface NativeBuildOptions {
  onnx: string;
  precision: 'fp32' | 'fp16' | 'int8' | 'best';
  /** types from the ONNX (Q/DQ or FP16 graph): kSTRONGLY_TYPED on TensorRT 10, always on 11 */
  stronglyTyped?: boolean;
  /** optimization profile per input; `input` '' = the first input */
  shapes?: { input: string; min: number[]; opt: number[]; max: number[] }[];
  /** workspace pool limit in bytes; default TensorRT's */
  workspace?: number;
  timingCache?: string;
  optimizationLevel?: number;
  dlaCore?: number;
  gpuFallback?: boolean;
  device?: number;
  /** BuilderFlag kVERSION_COMPATIBLE */
  versionCompatible?: boolean;
  /** 'ampere+' = HardwareCompatibilityLevel kAMPERE_PLUS */
  hardwareCompatibility?: 'none' | 'ampere+';
  /** implicit INT8: keep FP16 the layers downstream of embeddingsInput and the proto branch (reaches protoOutput, not detectionOutput) */
  fp16Layers?: { embeddingsInput: string; protoOutput?: string; detectionOutput?: string };
  calibration?: {
    /** YOLOECAL tensor file (lib/quantize/calibration-set.ts writeCalibrationTensorFile) */
    data?: string;
    cache?: string;
    method?: 'entropy' | 'minmax';
    /** refuse (ERR_CALIBRATION) a cache from another TensorRT version instead of rewriting its header */
    rejectVersionMismatch?: boolean;
    /** inputs other than the image fed one raw float32 tensor (its calibration shape) with every batch */
    fixedInputs?: { input: string; file: string }[];
  };
}

export interface NativeBuildProgress {
  type: 'start' | 'step' | 'finish';
  phase: string;
  parent?: string;
  /** 'start': number of steps of the phase */
  steps?: number;
  /** 'step': the step just completed, 0-based */
  step?: number;
}

export interface NativeGpu {
  name: string;
  /** "8.7" */
  computeCapability: string;
  integrated: boolean;
  memoryBytes: number;
}

export interface NativeBuildResult {
  /** the serialized plan (no header) */
  plan: Buffer;
  tensorrtVersion: string;
  tensorrtVersionCode: number;
  /** build number of the library that built it, -1 when unknown */
  tensorrtBuild: number;
  gpu: NativeGpu;
  warnings: string[];
  calibrationCache: 'none' | 'used' | 'rewritten' | 'written' | 'recalibrated';
  timingCacheSaved: boolean;
  /** present when fp16Layers was given: layers pinned to FP16 per rule, or why none */
  fp16Layers?: { embeddingLayers: number; protoLayers: number; skipped: number; note?: string };
}

/** An opaque, type-tagged engine handle. */
export interface NativeEngineHandle {
  readonly __yoloeTrtEngine: unique symbol;
}

export interface NativeEngineTensor {
  name: string;
  dtype: 'float32' | 'float16' | 'int8' | 'int32' | 'bool' | 'uint8' | 'int64';
  /** -1 where dynamic */
  dims: number[];
  /** inputs: profile 0 range */
  min?: number[];
  opt?: number[];
  max?: number[];
}

export interface NativeEngineInfo {
  inputs: NativeEngineTensor[];
  outputs: NativeEngineTensor[];
  tensorrtVersion: string;
  gpu: NativeGpu;
  /** mapped pinned memory instead of copies (integrated GPUs such as Jetson) */
  zeroCopy: boolean;
  gpuPreprocessing: boolean;
  stats: {
    contexts: number; contextFailures: number; runs: number; graphReplays: number; graphsDisabled: boolean;
    /**
     * with loadEngine({ profile: true }) only: wall-clock ms summed over inferImages runs per phase,
     * each phase ended by a stream synchronize (so phases do not overlap; a benchmark mode, not for
     * production). upload: other inputs and pixels to the device; compact: the decode kernel and the
     * counts' copy back; download: outputs, candidates and coefficient rows
     */
    phases?: { runs: number; upload: number; letterbox: number; enqueue: number; compact: number; download: number };
  };
}

export interface NativeInputTensor {
  name: string;
  dims: number[];
  data: Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

export interface NativeOutputTensor {
  name: string;
  dtype: NativeEngineTensor['dtype'];
  dims: number[];
  data: Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;
}

/**
 * Candidate compaction on the GPU for a raw `[B, 4 + nc + nm, N]` head (not transposed): the decode
 * kernel (native/cuda/kernels/decode.cu, CPU twin native/core/candidates_element.h, same rule as
 * lib/decode/candidates.ts scanRawHead without the maxNms cap) keeps what passes `conf`, and only
 * those candidates (plus the head's mask-coefficient rows, when nm > 0) are copied back.
 */
export interface NativeCompactRequest {
  /** the head output's name (ERR_SHAPE when the engine has no such output, or it is not [B, 4 + nc + nm, N] float32/float16) */
  output: string;
  /** integer 1 .. 1048576 */
  nc: number;
  /** mask coefficients per anchor (0 for a detection head), integer 0 .. 4096 */
  nm: number;
  /** strict >, any finite number */
  conf: number;
  multiLabel: boolean;
  /** the class filter (ids to keep, each an integer in [0, nc): others are ERR_INVALID_OPTION); default every class */
  classes?: number[];
  /** candidate slots per image, integer 1 .. 4194304; when an image has more, the whole head comes back instead (`compacted` absent) */
  capacity: number;
}

/** What compaction returned: candidates of image b are entries [o, o + counts[b]) with o = counts[0] + ... + counts[b - 1]. */
export interface NativeCompactedHead {
  output: string;
  /** N of the head this run (data-dependent heads vary) */
  anchors: number;
  counts: number[];
  /** per candidate x1, y1, x2, y2, score (network-input pixels, float32 as the kernel computed them) */
  boxes: Float32Array;
  classIds: Int32Array;
  /** anchor index; each image's candidates are sorted by (index, classId): the CPU scan's anchor order */
  indices: Int32Array;
  /** `[B, nm, N]` float32: the head's mask-coefficient rows (fp16 heads converted); only when nm > 0 */
  coefficients?: Float32Array;
}

export interface NativeImageRun {
  /** every output except a compacted head */
  outputs: NativeOutputTensor[];
  compacted?: NativeCompactedHead;
}

/** Images letterboxed on the GPU into the engine's image input (geometry from lib/image/letterbox.ts). */
export interface NativeImageBatch {
  /** the image input's name; default the engine's only input */
  imageInput?: string;
  /** the engine's other inputs (e.g. class_embeddings), from host memory as in infer(): each exactly once, of the engine's dtype and size */
  inputs?: NativeInputTensor[];
  /** compact the head on the GPU instead of copying it back */
  compact?: NativeCompactRequest;
  images: {
    data: Uint8Array;
    width: number;
    height: number;
    /** bytes between rows; default width * 3 */
    stride?: number;
    newWidth: number;
    newHeight: number;
    left: number;
    top: number;
  }[];
  inputWidth: number;
  inputHeight: number;
  /** default 114 */
  padValue?: number;
}

export interface TensorRtBinding {
  /** built with TensorRT headers */
  readonly compiled: boolean;
  probe(): TensorRtProbe;
  /** the search the loader makes, for an environment ({ TENSORRT_LIB_DIR, LD_LIBRARY_PATH }; default process.env) */
  librarySearch(env?: { TENSORRT_LIB_DIR?: string; LD_LIBRARY_PATH?: string }): TensorRtLibrarySearch;
  /** the C++ twin of lib/backends/engine-file.ts parseEngineHeader */
  parseEngineHeader(bytes: Uint8Array, fileSize?: number): NativeEngineHeader;
  /** the bytes a yoloe engine file has before its plan */
  encodeEngineHeader(metadataJson: string): Buffer;
  /** the check a build makes on a calibration cache before TensorRT sees it */
  inspectCalibrationCache(text: string, runningVersionCode: number, method: 'entropy' | 'minmax'): NativeCacheInspection;
  /** reads one batch of a YOLOECAL calibration tensor file exactly as the C++ calibrators do */
  readCalibrationBatch(path: string, index: number): { dims: number[]; batches: number; data: Float32Array };

  /** builds a plan; `onProgress` returning false cancels the build at TensorRT's next step */
  /** `cancel`: an Int32Array over a SharedArrayBuffer; setting [0] to 1 stops the build at its next step */
  buildEngine(options: NativeBuildOptions, onProgress?: (event: NativeBuildProgress) => boolean | void, cancel?: Int32Array): Promise<NativeBuildResult>;
  /** deserializes an engine file (any of the three layouts) or a plan */
  /** planOffset: where the plan starts in the file (lib/backends/engine-file.ts parsed the header); dlaCore: the core it was built for; hostCodeAllowed: version-compatible plans */
  loadEngine(source: string | Uint8Array, options?: { device?: number; maxContexts?: number; cudaGraphs?: boolean; dlaCore?: number; planOffset?: number; hostCodeAllowed?: boolean; profile?: boolean }): Promise<NativeEngineHandle>;
  engineInfo(handle: NativeEngineHandle): NativeEngineInfo;
  infer(handle: NativeEngineHandle, inputs: NativeInputTensor[]): Promise<NativeOutputTensor[]>;
  inferImages(handle: NativeEngineHandle, batch: NativeImageBatch): Promise<NativeImageRun>;
  /** drops the handle's engine; running inferences finish first */
  releaseEngine(handle: NativeEngineHandle): void;
}
