import { YoloeTrtError } from './errors.js';
import { checkKnownKeys, optBoolean, optEnum, optNumber, optObject, optString } from './validate.js';
import type { Backend, ImageBackend } from './backends/backend.js';
import { isEngineFile, openBackend, type BackendChoice } from './backends/index.js';
import { decodeImage } from './image/decode.js';
import { PAD_VALUE, batchGeometries, preprocess } from './image/index.js';
import { RegionMask, decodeBatch, detectLayout, resolveDecodeOptions } from './decode/index.js';
import { DECODE_OPTION_KEYS } from './decode/options.js';
import { resolveImageLimits, type ImageLimits } from './image/limits.js';
import { DEFAULT_MAX_MODEL_BYTES, checkModelSource } from './fs/source-file.js';
import { detectSettled, type SettledResult } from './detect-settled.js';
import { resolveModelInfo, type ModelInfoOverrides } from './model-info.js';
import type { BinaryMask, CompactedHead, DecodeOptions, HeadLayout, ImageInput, ImageResult, LetterboxGeometry, ModelInfo, RgbImage, Tensor } from './types.js';
import { PREPROCESS_CHOICES, compactRequest, gpuUnavailable, planPreprocessing, type PreprocessChoice } from './gpu-preprocessing.js';
import type { ClassEmbeddings, TextEmbedder } from './text/types.js';
import { loadEmbeddingsFile } from './text/embeddings-file.js';
import { toHalfArray } from './image/fp16.js';
import { noVocabularyError, toVocabulary, validClassNames, validTextEmbedder, type Vocabulary } from './vocabulary.js';
import { VideoStream, type StreamOptions, type StreamSource } from './stream/index.js';

export interface LoadModelOptions extends ModelInfoOverrides {
  /** 'auto' (default): engines on TensorRT, ONNX on the CPU; 'cpu': ONNX Runtime; 'tensorrt': the native addon */
  backend?: BackendChoice;
  /** CPU threads for ONNX Runtime; default: ONNX Runtime's own choice */
  threads?: number;
  /** refuse model files larger than this many bytes; default 4 GiB */
  maxModelBytes?: number;
  /**
   * run-time-vocabulary models: turns prompts into class embeddings (`loadTextEncoder()` from
   * lib/text, or any TextEmbedder), so `setClasses(names)` and `detect(img, { prompts })` need no
   * embeddings; default none. The model does not dispose it.
   */
  textEncoder?: TextEmbedder;
  /** TensorRT: CUDA device ordinal the engine runs on; default 0 */
  device?: number;
  /** TensorRT: execution contexts, i.e. inferences run at once (more callers queue in JavaScript); default 2 */
  maxContexts?: number;
  /** TensorRT: capture and replay CUDA graphs for static-shape engines; default true */
  cudaGraphs?: boolean;
  /** an ONNX model with backend 'tensorrt': build its engine for this GPU on first use and keep it in this folder (rebuilt when TensorRT, the GPU, the ONNX or the precision change); default none */
  cacheDir?: string;
  /** with cacheDir: the engine's precision; default 'fp16' */
  precision?: 'fp32' | 'fp16' | 'int8' | 'best';
  /**
   * where detect() letterboxes: 'auto' (default) on the GPU for a TensorRT engine whose addon has
   * the CUDA kernels (raw heads' candidates are then compacted on the GPU too), else the CPU; when
   * the first GPU run finds the kernels unusable (no NVRTC, unsupported GPU) it falls back to the
   * CPU for good, recorded in `model.info.preprocessing` / `preprocessingReason`. 'gpu': the GPU
   * or a typed error naming why not (ERR_INVALID_OPTION on the CPU backend, ERR_BACKEND_UNAVAILABLE
   * without the kernels). 'cpu': lib/image's letterbox on every backend. Same results either way.
   */
  preprocess?: PreprocessChoice;
}

/** Every key loadModel() accepts; anything else is ERR_INVALID_OPTION. Add new options here. */
export const LOAD_MODEL_OPTION_KEYS: readonly string[] = [
  'backend', 'threads', 'maxModelBytes', 'textEncoder', 'device', 'maxContexts', 'cudaGraphs', 'cacheDir', 'precision', 'preprocess', 'names', 'imgsz', 'stride', 'task',
];

/** Every key detect() accepts; anything else is ERR_INVALID_OPTION. Add new options here. */
export const DETECT_OPTION_KEYS: readonly string[] = [
  ...DECODE_OPTION_KEYS, 'masks', 'retina', 'auto', 'imgsz', 'batchSize', 'dropEmptyMasks', 'settle', 'maxPixels', 'maxImageBytes',
  'prompts', 'embeddings',
];

/** Class embeddings as setClasses() takes them: in memory, or an `.npy` / `.json` file path. */
export type EmbeddingsSource = ClassEmbeddings | Float32Array | string;

export interface DetectOptions extends Partial<DecodeOptions>, ImageLimits {
  /** instance masks for segmentation models; default true when the model segments */
  masks?: boolean;
  /** masks computed at the original image's resolution (Ultralytics retina_masks); default false */
  retina?: boolean;
  /** dynamic-shape models only: the smallest stride-multiple rectangle instead of the full square; default false */
  auto?: boolean;
  /** dynamic-shape models only: network input size [h, w] or one number; default the model's imgsz */
  imgsz?: number | [number, number];
  /** images per backend run when the batch dim is dynamic; default 8 (TensorRT: at most the profile's max batch) */
  batchSize?: number;
  /** drop detections whose mask came out empty, as Ultralytics' segment predictor does; default true */
  dropEmptyMasks?: boolean;
  /** arrays only: one `{ result }` or `{ error }` per input instead of rejecting the whole call; default false */
  settle?: boolean;
  /**
   * run-time-vocabulary models: the classes of this call only (labels = these strings, class ids
   * = their order), embedded by the model's textEncoder unless `embeddings` are given; default:
   * the classes set with setClasses()
   */
  prompts?: string[];
  /** with `prompts`: their class embeddings (K x D) instead of the text encoder's; default none */
  embeddings?: ClassEmbeddings | Float32Array;
}

/**
 * A loaded model: decodes and letterboxes images, runs the backend, decodes the head.
 * Owns no maths: image/, decode/ and the backend do the work. Safe to share across callers.
 */
export class Model {
  private disposed = false;
  /** input tensors of finished runs, reused by the next (a fresh 5 MB buffer per run costs more than the letterbox) */
  private readonly tensorPool = new TensorPool();

  /** run-time-vocabulary models: the classes set by setClasses(), replaced whole, never edited */
  private vocabulary: Vocabulary | undefined;
  /** setClasses() calls in call order: a slower earlier call never overwrites a later one */
  private classesCalls = 0;
  private classesApplied = 0;

  /** where forward() letterboxes: the device backend while GPU preprocessing is on */
  private device: ImageBackend | undefined;
  private readonly preprocessChoice: PreprocessChoice;
  /** a GPU run succeeded: from then on its errors are errors, not a reason to fall back */
  private deviceConfirmed = false;

  /** `options.preprocess`: see LoadModelOptions.preprocess; default 'auto' */
  constructor(readonly info: ModelInfo, private readonly backend: Backend, private readonly textEncoder?: TextEmbedder, options: { preprocess?: PreprocessChoice } = {}) {
    this.preprocessChoice = optEnum('preprocess', optObject('model options', options).preprocess, PREPROCESS_CHOICES, 'auto');
    const plan = planPreprocessing(this.preprocessChoice, backend);
    this.device = plan.device;
    info.preprocessing = plan.where;
    if (plan.reason !== undefined) info.preprocessingReason = plan.reason;
    else delete info.preprocessingReason;
  }

  /** The class names detections are labelled with now: the fixed names, or the run-time vocabulary's ([] until set). */
  get classes(): readonly string[] {
    if (this.info.vocabulary.kind !== 'runtime') return this.info.names;
    return this.vocabulary?.names ?? [];
  }

  /**
   * Sets the classes of a run-time-vocabulary model for every later detect() call. Embeddings
   * come from `embeddings` (a ClassEmbeddings, a K x D Float32Array, or an `.npy` / `.json`
   * file) or, without them, from the textEncoder given to loadModel. Calls already running keep
   * the classes they started with.
   * @example await model.setClasses(['person', 'red bus']);               // with a textEncoder
   * @example await model.setClasses(['person', 'bus'], 'person-bus.npy');  // embeddings from Python
   */
  async setClasses(names: string[], embeddings?: EmbeddingsSource): Promise<void> {
    if (this.disposed) throw new YoloeTrtError('ERR_DISPOSED', 'The model was disposed');
    this.requireRuntimeVocabulary('setClasses');
    const call = ++this.classesCalls;
    const vocabulary = await this.buildVocabulary(validClassNames('names', names, this.info.vocabulary.maxClasses), embeddings, 'embeddings');
    if (call > this.classesApplied) {
      this.classesApplied = call;
      this.vocabulary = vocabulary;
    }
  }

  /** The backend that runs this model: 'cpu' or 'tensorrt'. */
  get backendName(): Backend['name'] {
    return this.backend.name;
  }

  /**
   * Detects (and for segmentation models, segments) objects.
   * @example
   * const [bus] = await model.detect(['bus.jpg'], { conf: 0.25 });
   * for (const d of bus.detections) console.log(d.label, d.score, d.box);
   */
  async detect(inputs: ImageInput[], options: DetectOptions & { settle: true }): Promise<SettledResult[]>;
  async detect(input: ImageInput, options?: DetectOptions): Promise<ImageResult>;
  async detect(inputs: ImageInput[], options?: DetectOptions): Promise<ImageResult[]>;
  async detect(input: ImageInput | ImageInput[], options: DetectOptions = {}): Promise<ImageResult | ImageResult[] | SettledResult[]> {
    const many = Array.isArray(input);
    const inputs = many ? input : [input];
    const opts = this.resolveDetectOptions(options); // option errors reject the call, settled or not
    const limits = resolveImageLimits(options);
    // the classes are those of the moment of the call, whatever setClasses() does meanwhile
    const vocabulary = this.callVocabulary(options);
    vocabulary.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    if (optBoolean('settle', options.settle, false)) {
      if (!many) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected an array of images with settle: true but received one image', { option: 'settle' });
      const snapshot = await vocabulary;
      return detectSettled(inputs, (i) => decodeImage(i, limits), (images) => this.detectWith(images, opts, snapshot));
    }
    // one bad input rejects the whole call (use settle: true for one outcome per input)
    const images = await Promise.all(inputs.map((i) => decodeImage(i, limits)));
    const results = await this.detectWith(images, opts, await vocabulary);
    return many ? results : results[0]!;
  }

  /** Same as detect() on images already decoded to RGB (used by evaluation and benchmarks). */
  async detectDecoded(images: RgbImage[], options: DetectOptions = {}): Promise<ImageResult[]> {
    const vocabulary = await this.callVocabulary(options);
    return this.detectWith(images, this.resolveDetectOptions(options), vocabulary);
  }

  /**
   * Results frame by frame from a video file, URL, V4L2 device, image folder/glob or an iterable of
   * frames (see lib/stream and StreamOptions), optionally tracked; `stats()` and `close()` on the result.
   * @example
   * for await (const r of model.stream('clip.mp4', { track: 'bytetrack' })) console.log(r.frame, r.detections);
   */
  stream(source: StreamSource, options: StreamOptions = {}): VideoStream {
    return new VideoStream(this, source, options);
  }

  /** Letterboxes and runs a batch, returning the raw output tensors (for calibration and tests). */
  async infer(images: RgbImage[], options: Pick<DetectOptions, 'auto' | 'imgsz' | 'prompts' | 'embeddings'> = {}) {
    const vocabulary = await this.callVocabulary(options);
    const opts = this.resolveDetectOptions(options);
    return this.forward(images, opts, vocabulary, false);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.backend.dispose();
  }

  /** Runs decoded images in batches with options resolved once per call (settled retries reuse them). */
  private async detectWith(images: RgbImage[], opts: ResolvedDetectOptions, vocabulary: Vocabulary | undefined): Promise<ImageResult[]> {
    if (this.disposed) throw new YoloeTrtError('ERR_DISPOSED', 'The model was disposed');
    const results: ImageResult[] = [];
    for (let start = 0; start < images.length; start += opts.batch) {
      const chunk = images.slice(start, start + opts.batch);
      results.push(...(await this.runBatch(chunk, opts, vocabulary)));
    }
    return results;
  }

  /**
   * The one vocabulary snapshot a call uses: its own prompts, else the model's current classes
   * (read synchronously, before any await), else for a run-time model the ERR_NO_VOCABULARY
   * error; undefined for fixed and prompt-free models.
   */
  private callVocabulary(options: DetectOptions | undefined): Promise<Vocabulary | undefined> {
    const o = (options ?? {}) as DetectOptions;
    if (o === null || typeof o !== 'object') return Promise.resolve(undefined); // resolveDetectOptions reports it
    if (o.prompts === undefined) {
      if (o.embeddings !== undefined) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected prompts (the class names) with embeddings but received none', { option: 'prompts' });
      if (this.info.vocabulary.kind !== 'runtime') return Promise.resolve(undefined);
      if (!this.vocabulary) throw noVocabularyError(this.info.path);
      return Promise.resolve(this.vocabulary);
    }
    this.requireRuntimeVocabulary('prompts');
    const names = validClassNames('prompts', o.prompts, this.info.vocabulary.maxClasses);
    return this.buildVocabulary(names, o.embeddings, 'embeddings');
  }

  /** names + embeddings (given, read from a file, or from the text encoder) -> a frozen vocabulary. */
  private async buildVocabulary(names: string[], source: EmbeddingsSource | undefined, option: string): Promise<Vocabulary> {
    const dim = this.info.vocabulary.embedDim!;
    if (typeof source === 'string') {
      const file = await loadEmbeddingsFile(source);
      if (file.names !== undefined && file.names.join('\u0000') !== names.join('\u0000')) {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected the names in ${source} (${file.names.slice(0, 5).join(', ')}${file.names.length > 5 ? ', ...' : ''}) to equal the class names given (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''})`, { option });
      }
      return toVocabulary(names, file.embeddings, dim, `${option} (${source})`);
    }
    if (source !== undefined) return toVocabulary(names, source, dim, option);
    if (!this.textEncoder) {
      throw new YoloeTrtError('ERR_NO_VOCABULARY', `Class names without embeddings need a text encoder: pass loadModel(path, { textEncoder: await loadTextEncoder({...}) }), or give the embeddings (${names.length} x ${dim} floats, or an .npy / .json file)`, { option });
    }
    if (this.textEncoder.dim !== dim) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a text encoder of width ${dim} (the model's embed_dim) for textEncoder but it gives ${this.textEncoder.dim}`, { option: 'textEncoder' });
    }
    return toVocabulary(names, await this.textEncoder.embed(names), dim, 'textEncoder output');
  }

  private requireRuntimeVocabulary(option: string): void {
    if (this.info.vocabulary.kind === 'runtime') return;
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a run-time-vocabulary model (class embeddings input) for ${option} but ${this.info.path} has ${this.info.vocabulary.kind} classes`, { option });
  }

  private async runBatch(images: RgbImage[], opts: ResolvedDetectOptions, vocabulary: Vocabulary | undefined): Promise<ImageResult[]> {
    const { outputs, geometries, compacted } = await this.forward(images, opts, vocabulary, true);
    const names = vocabulary ? (vocabulary.names as string[]) : this.info.names;
    const results = decodeBatch(outputs, this.callLayout(vocabulary), geometries, names, opts.decode, compacted).slice(0, images.length);
    if (opts.decode.masks && opts.dropEmptyMasks) {
      for (const r of results) r.detections = r.detections.filter((d) => !d.mask || !isEmptyMask(d.mask));
    }
    return results;
  }

  /** The head's layout for a call: a run-time vocabulary has as many classes as the call's names. */
  private callLayout(vocabulary: Vocabulary | undefined): HeadLayout {
    return vocabulary && this.info.layout.kind === 'raw' ? { ...this.info.layout, nc: vocabulary.names.length } : this.info.layout;
  }

  /**
   * Letterboxes and runs one batch: on the GPU while GPU preprocessing is on (with `compact`,
   * a raw head's candidates come back compacted), else lib/image's letterbox on the CPU.
   */
  private async forward(images: RgbImage[], opts: ResolvedDetectOptions, vocabulary: Vocabulary | undefined, compact: boolean): Promise<{ outputs: Record<string, Tensor>; geometries: LetterboxGeometry[]; compacted?: CompactedHead }> {
    const [h, w] = opts.imgsz;
    // A static batch larger than the images given is padded with copies of the last image.
    const staticBatch = this.info.dynamicBatch ? undefined : (this.info.batch ?? 1);
    const batchImages = staticBatch && images.length < staticBatch
      ? [...images, ...Array<RgbImage>(staticBatch - images.length).fill(images[images.length - 1]!)]
      : images;
    if (this.device) {
      const run = await this.forwardOnDevice(this.device, batchImages, opts, vocabulary, compact);
      if (run) return run;
    }
    const sameSize = batchImages.every((im) => im.width === batchImages[0]!.width && im.height === batchImages[0]!.height);
    // `auto` may shrink the canvas, so its size is only known after the geometry: no pooled buffer then
    const pooled = opts.auto && sameSize ? undefined : this.tensorPool.take(this.info.inputDtype, batchImages.length * 3 * h * w);
    const { tensor, geometries } = preprocess(batchImages, w, h, this.info.inputDtype, {
      auto: opts.auto,
      stride: this.info.stride,
      ...(pooled ? { out: pooled } : {}),
    });
    try {
      const feeds: Record<string, Tensor> = { [this.info.imageInput]: tensor };
      if (vocabulary) feeds[this.info.vocabulary.embeddingsInput!] = this.embeddingsTensor(vocabulary, batchImages.length);
      const outputs = await this.backend.run(feeds);
      return { outputs, geometries };
    } finally {
      if (pooled) this.tensorPool.give(pooled);
    }
  }

  /**
   * The GPU half of forward(): the same geometry as the CPU letterbox, the embeddings as an
   * ordinary input. Undefined when 'auto' found the kernels unusable on this first run: the
   * model then letterboxes on the CPU for good, and says why in info.
   */
  private async forwardOnDevice(device: ImageBackend, images: RgbImage[], opts: ResolvedDetectOptions, vocabulary: Vocabulary | undefined, compact: boolean) {
    const [h, w] = opts.imgsz;
    const geometries = batchGeometries(images, w, h, { auto: opts.auto, stride: this.info.stride });
    const { dstWidth, dstHeight } = geometries[0]!;
    const request = compact ? compactRequest(this.callLayout(vocabulary), opts.decode, dstWidth, dstHeight) : undefined;
    const inputs = vocabulary ? { [this.info.vocabulary.embeddingsInput!]: this.embeddingsTensor(vocabulary, images.length) } : undefined;
    try {
      const run = await device.runImages(images, geometries, {
        padValue: PAD_VALUE,
        imageInput: this.info.imageInput,
        ...(inputs && { inputs }),
        ...(request && { compact: request }),
      });
      this.deviceConfirmed = true;
      return { outputs: run.outputs, geometries, ...(run.compacted && { compacted: run.compacted }) };
    } catch (err) {
      if (!gpuUnavailable(err) || this.deviceConfirmed) throw err;
      if (this.preprocessChoice === 'gpu') {
        throw new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', `GPU preprocessing (preprocess 'gpu') cannot run: ${err.message}`, { option: 'preprocess', reason: err.message }, { cause: err });
      }
      this.device = undefined;
      this.info.preprocessing = 'cpu';
      this.info.preprocessingReason = `GPU preprocessing cannot run (${err.message}); preprocess 'auto' fell back to the CPU letterbox`;
      return undefined;
    }
  }

  /** `[1, K, D]` (or `[B, K, D]` when the input's batch dim is not 1) in the input's dtype. */
  private embeddingsTensor(vocabulary: Vocabulary, batch: number): Tensor {
    const { data, count, dim } = vocabulary.embeddings;
    const input = this.info.inputs.find((i) => i.name === this.info.vocabulary.embeddingsInput)!;
    const rows = input.dims[0] === 1 ? 1 : batch;
    let tiled = data;
    if (rows > 1) {
      tiled = new Float32Array(rows * data.length);
      for (let b = 0; b < rows; b++) tiled.set(data, b * data.length);
    }
    const dims = [rows, count, dim];
    return input.dtype === 'float16' ? { dtype: 'float16', dims, data: toHalfArray(tiled) } : { dtype: 'float32', dims, data: tiled };
  }

  private resolveDetectOptions(options: DetectOptions): ResolvedDetectOptions {
    optObject('options', options);
    checkKnownKeys('detect', options, DETECT_OPTION_KEYS);
    const decode = resolveDecodeOptions(options);
    // a run-time vocabulary's class ids are those of the call's prompts or of setClasses()
    const nc = this.info.vocabulary.kind === 'runtime'
      ? (Array.isArray(options.prompts) ? options.prompts.length : (this.vocabulary?.names.length ?? this.info.names.length))
      : this.info.names.length;
    const badClass = decode.classes?.find((c) => c >= nc);
    if (badClass !== undefined) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected class ids between 0 and ${nc - 1} for classes but received ${badClass} (the model has ${nc} classes)`, { option: 'classes' });
    }
    const segments = this.info.task === 'segment';
    const masks = optBoolean('masks', options.masks, segments);
    const retina = optBoolean('retina', options.retina, false);
    for (const [option, on] of [['masks', masks], ['retina', retina]] as const) {
      if (on && !segments) {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a segmentation model for ${option} but ${this.info.path} is a ${this.info.task} model`, { option });
      }
    }
    const auto = optBoolean('auto', options.auto, false);
    if (auto && !this.info.dynamicShape) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a dynamic-shape model for auto but the model has a fixed input size', { option: 'auto' });
    }
    const imgsz = this.resolveImgsz(options.imgsz);
    const staticBatch = this.info.dynamicBatch ? undefined : (this.info.batch ?? 1);
    // checked on every model; a static batch dimension then decides, and a TensorRT engine runs
    // batches inside its optimization profile only
    const profileMax = this.info.inputs[0]?.profile?.max[0];
    const batchSize = optNumber('batchSize', options.batchSize, Math.min(8, profileMax ?? 8), 1, profileMax ?? 1024, { integer: true });
    const batch = staticBatch ?? batchSize;
    const dropEmptyMasks = optBoolean('dropEmptyMasks', options.dropEmptyMasks, true);
    return { decode: { ...decode, masks, retina }, auto, imgsz, batch, dropEmptyMasks };
  }

  private resolveImgsz(value: DetectOptions['imgsz']): [number, number] {
    if (value === undefined) return this.info.imgsz;
    const pair: unknown[] = typeof value === 'number' ? [value, value] : Array.isArray(value) ? value : [value];
    const valid = pair.length === 2 && pair.every((v) => Number.isInteger(v) && (v as number) > 0 && (v as number) % this.info.stride === 0);
    if (!valid) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a positive multiple of the stride ${this.info.stride} (or a [h, w] pair of them) for imgsz but received ${JSON.stringify(value)}`, { option: 'imgsz' });
    }
    const [h, w] = pair as [number, number];
    const profile = this.info.inputs[0]?.profile;
    if (profile && (h < profile.min[2] || h > profile.max[2] || w < profile.min[3] || w > profile.max[3])) {
      throw new YoloeTrtError(
        'ERR_INVALID_OPTION',
        `Expected an input size inside the engine's optimization profile (${profile.min[2]}x${profile.min[3]} .. ${profile.max[2]}x${profile.max[3]}) for imgsz but received ${h}x${w}`,
        { option: 'imgsz' },
      );
    }
    if (!this.info.dynamicShape && (h !== this.info.imgsz[0] || w !== this.info.imgsz[1])) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected the model's fixed input size ${this.info.imgsz.join('x')} for imgsz but received ${h}x${w}`, { option: 'imgsz' });
    }
    return [h, w];
  }
}

/** A few spare input buffers per size; concurrent runs each take their own. */
class TensorPool {
  private readonly free = new Map<string, (Float32Array | Uint16Array)[]>();

  take(dtype: 'float32' | 'float16', length: number): Float32Array | Uint16Array {
    const spare = this.free.get(`${dtype}:${length}`)?.pop();
    return spare ?? (dtype === 'float32' ? new Float32Array(length) : new Uint16Array(length));
  }

  give(buffer: Float32Array | Uint16Array): void {
    const key = `${buffer instanceof Float32Array ? 'float32' : 'float16'}:${buffer.length}`;
    const list = this.free.get(key) ?? [];
    if (list.length < 2) list.push(buffer);
    this.free.set(key, list);
  }
}

/** True when no pixel is set; reads only the box region of masks that keep one. */
function isEmptyMask(mask: BinaryMask): boolean {
  const pixels = mask instanceof RegionMask ? mask.region.data : mask.data;
  return !pixels.some((v) => v !== 0);
}

interface ResolvedDetectOptions {
  dropEmptyMasks: boolean;
  decode: DecodeOptions & { masks: boolean; retina: boolean };
  auto: boolean;
  imgsz: [number, number];
  batch: number;
}

/**
 * Loads a YOLO / YOLOE model: an exported ONNX file (CPU, ONNX Runtime) or a TensorRT engine.
 * The model's own metadata (class names, imgsz, stride, task) is read from the file;
 * options override it.
 * @example
 * const model = await loadModel('yolov8n.onnx');            // backend 'auto'
 * const result = await model.detect('bus.jpg');
 */
export async function loadModel(path: string, options: LoadModelOptions = {}): Promise<Model> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a model file path for path but received ${typeof path}`, { option: 'path' });
  }
  optObject('options', options);
  checkKnownKeys('loadModel', options, LOAD_MODEL_OPTION_KEYS);
  checkModelSource(path, optNumber('maxModelBytes', options.maxModelBytes, DEFAULT_MAX_MODEL_BYTES, 1, Number.MAX_SAFE_INTEGER, { integer: true }));
  const backendChoice = optEnum('backend', options.backend, ['auto', 'cpu', 'tensorrt'] as const, 'auto');
  const threads = options.threads === undefined ? undefined : optNumber('threads', options.threads, 0, 1, 256, { integer: true });
  const textEncoder = options.textEncoder === undefined ? undefined : validTextEmbedder(options.textEncoder);
  const device = options.device === undefined ? undefined : optNumber('device', options.device, 0, 0, 255, { integer: true });
  const maxContexts = options.maxContexts === undefined ? undefined : optNumber('maxContexts', options.maxContexts, 2, 1, 64, { integer: true });
  const cudaGraphs = options.cudaGraphs === undefined ? undefined : optBoolean('cudaGraphs', options.cudaGraphs, true);
  const backendOptions = {
    ...(threads !== undefined && { threads }),
    ...(device !== undefined && { device }),
    ...(maxContexts !== undefined && { maxContexts }),
    ...(cudaGraphs !== undefined && { cudaGraphs }),
  };
  const cacheDir = optString('cacheDir', options.cacheDir);
  const precision = optEnum('precision', options.precision, ['fp32', 'fp16', 'int8', 'best'] as const, 'fp16');
  const preprocess = optEnum('preprocess', options.preprocess, PREPROCESS_CHOICES, 'auto');
  if (cacheDir !== undefined && (backendChoice !== 'tensorrt' || isEngineFile(path))) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an ONNX model with backend 'tensorrt' for cacheDir but received ${isEngineFile(path) ? 'an engine file' : `backend '${backendChoice}'`}`, { option: 'cacheDir' });
  }
  let opened: Awaited<ReturnType<typeof openBackend>> | undefined;
  if (cacheDir !== undefined) {
    const { ensureCachedEngine } = await import('./engine-cache.js');
    await ensureCachedEngine(path, { cacheDir, precision, device: device ?? 0 }, async (engine) => {
      opened = await openBackend(engine, 'tensorrt', backendOptions);
    });
  } else {
    opened = await openBackend(path, backendChoice, backendOptions);
  }
  if (!opened) throw new YoloeTrtError('ERR_BACKEND', `No backend was opened for ${path}`);
  try {
    const info = resolveModelInfo(path, opened, options, detectLayout);
    return new Model(info, opened.backend, textEncoder, { preprocess });
  } catch (err) {
    await opened.backend.dispose();
    throw err;
  }
}
