import { YoloeTrtError } from './errors.js';
import { optBoolean, optEnum, optNumber, optObject, optString } from './validate.js';
import type { Backend } from './backends/backend.js';
import { isEngineFile, openBackend, type BackendChoice } from './backends/index.js';
import { decodeImage } from './image/decode.js';
import { preprocess } from './image/index.js';
import { RegionMask, decodeBatch, detectLayout, resolveDecodeOptions } from './decode/index.js';
import { resolveModelInfo, type ModelInfoOverrides } from './model-info.js';
import type { BinaryMask, DecodeOptions, ImageInput, ImageResult, ModelInfo, RgbImage } from './types.js';

export interface LoadModelOptions extends ModelInfoOverrides {
  /** 'auto' (default): engines on TensorRT, ONNX on the CPU; 'cpu': ONNX Runtime; 'tensorrt': the native addon */
  backend?: BackendChoice;
  /** CPU threads for ONNX Runtime; default: ONNX Runtime's own choice */
  threads?: number;
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
}

export interface DetectOptions extends Partial<DecodeOptions> {
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
}

/**
 * A loaded model: decodes and letterboxes images, runs the backend, decodes the head.
 * Owns no maths: image/, decode/ and the backend do the work. Safe to share across callers.
 */
export class Model {
  private disposed = false;
  /** input tensors of finished runs, reused by the next (a fresh 5 MB buffer per run costs more than the letterbox) */
  private readonly tensorPool = new TensorPool();

  constructor(readonly info: ModelInfo, private readonly backend: Backend) {}

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
  async detect(input: ImageInput, options?: DetectOptions): Promise<ImageResult>;
  async detect(inputs: ImageInput[], options?: DetectOptions): Promise<ImageResult[]>;
  async detect(input: ImageInput | ImageInput[], options: DetectOptions = {}): Promise<ImageResult | ImageResult[]> {
    const many = Array.isArray(input);
    const inputs = many ? input : [input];
    const images = await Promise.all(inputs.map((i) => decodeImage(i)));
    const results = await this.detectDecoded(images, options);
    return many ? results : results[0]!;
  }

  /** Same as detect() on images already decoded to RGB (used by evaluation and benchmarks). */
  async detectDecoded(images: RgbImage[], options: DetectOptions = {}): Promise<ImageResult[]> {
    if (this.disposed) throw new YoloeTrtError('ERR_DISPOSED', 'The model was disposed');
    const opts = this.resolveDetectOptions(options);
    const results: ImageResult[] = [];
    for (let start = 0; start < images.length; start += opts.batch) {
      const chunk = images.slice(start, start + opts.batch);
      results.push(...(await this.runBatch(chunk, opts)));
    }
    return results;
  }

  /** Letterboxes and runs a batch, returning the raw output tensors (for calibration and tests). */
  async infer(images: RgbImage[], options: Pick<DetectOptions, 'auto' | 'imgsz'> = {}) {
    const opts = this.resolveDetectOptions(options);
    return this.forward(images, opts);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.backend.dispose();
  }

  private async runBatch(images: RgbImage[], opts: ResolvedDetectOptions): Promise<ImageResult[]> {
    const { outputs, geometries } = await this.forward(images, opts);
    const results = decodeBatch(outputs, this.info.layout, geometries, this.info.names, opts.decode).slice(0, images.length);
    if (opts.decode.masks && opts.dropEmptyMasks) {
      for (const r of results) r.detections = r.detections.filter((d) => !d.mask || !isEmptyMask(d.mask));
    }
    return results;
  }

  private async forward(images: RgbImage[], opts: ResolvedDetectOptions) {
    const [h, w] = opts.imgsz;
    // A static batch larger than the images given is padded with copies of the last image.
    const staticBatch = this.info.dynamicBatch ? undefined : (this.info.batch ?? 1);
    const batchImages = staticBatch && images.length < staticBatch
      ? [...images, ...Array<RgbImage>(staticBatch - images.length).fill(images[images.length - 1]!)]
      : images;
    const sameSize = batchImages.every((im) => im.width === batchImages[0]!.width && im.height === batchImages[0]!.height);
    // `auto` may shrink the canvas, so its size is only known after the geometry: no pooled buffer then
    const pooled = opts.auto && sameSize ? undefined : this.tensorPool.take(this.info.inputDtype, batchImages.length * 3 * h * w);
    const { tensor, geometries } = preprocess(batchImages, w, h, this.info.inputDtype, {
      auto: opts.auto,
      stride: this.info.stride,
      ...(pooled ? { out: pooled } : {}),
    });
    try {
      const outputs = await this.backend.run({ [this.info.inputs[0]!.name]: tensor });
      return { outputs, geometries };
    } finally {
      if (pooled) this.tensorPool.give(pooled);
    }
  }

  private resolveDetectOptions(options: DetectOptions): ResolvedDetectOptions {
    optObject('options', options);
    const decode = resolveDecodeOptions(options);
    const segments = this.info.task === 'segment';
    const masks = optBoolean('masks', options.masks, segments);
    if (masks && !segments) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a segmentation model for masks but ${this.info.path} is a ${this.info.task} model`, { option: 'masks' });
    }
    const retina = optBoolean('retina', options.retina, false);
    const auto = optBoolean('auto', options.auto, false);
    if (auto && !this.info.dynamicShape) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a dynamic-shape model for auto but the model has a fixed input size', { option: 'auto' });
    }
    const imgsz = this.resolveImgsz(options.imgsz);
    const staticBatch = this.info.dynamicBatch ? undefined : (this.info.batch ?? 1);
    // A TensorRT engine runs batches inside its optimization profile only.
    const profileMax = this.info.inputs[0]?.profile?.max[0];
    const batch = staticBatch ?? optNumber('batchSize', options.batchSize, Math.min(8, profileMax ?? 8), 1, profileMax ?? 1024, { integer: true });
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
  const backendChoice = optEnum('backend', options.backend, ['auto', 'cpu', 'tensorrt'] as const, 'auto');
  const threads = options.threads === undefined ? undefined : optNumber('threads', options.threads, 0, 1, 256, { integer: true });
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
    return new Model(info, opened.backend);
  } catch (err) {
    await opened.backend.dispose();
    throw err;
  }
}
