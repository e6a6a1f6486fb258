import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { checkOutputPath, writeFileAtomicSync } from './fs/atomic-write.js';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { NativeBuildOptions, NativeBuildProgress, NativeBuildResult } from '../binding-tensorrt.js';
import { sidecarPath, writeEngineFile, writePlanWithSidecar, type EngineMetadata, type EnginePrecision } from './backends/engine-file.js';
import { requireTensorRt } from './backends/tensorrt.js';
import { fromNativeError } from './native/errors.js';
import { YoloeTrtError, invalidOption } from './errors.js';
import { parseUltralyticsMetadata } from './onnx/metadata.js';
import { describeModel } from './onnx/info.js';
import { loadOnnxFile, writeOnnx, type OnnxModel } from './onnx/model.js';
import { convertToFp16 } from './onnx/edit.js';
import { prepareCalibrationSet, type CalibrationSet } from './quantize/calibration-set.js';
import type { Task } from './types.js';
import { embeddingsShapeRange, validClassRange } from './vocabulary.js';
import type { ClassEmbeddings } from './text/types.js';
import { optBoolean, optEnum, optNumber, optObject, optString, checkKnownKeys } from './validate.js';

const PACKAGE_VERSION = '0.1.0';
const ONNX_FLOAT16 = 10;

/** One optimization-profile range: full input dims, e.g. min [1,3,320,320], opt [1,3,640,640], max [4,3,640,640]. */
export interface ShapeRange {
  /** the input it applies to; default the first input */
  input?: string;
  min: number[];
  opt: number[];
  max: number[];
}

export interface CalibrationOptions {
  /** a folder or a list of images to calibrate on (the inference preprocessing is applied) */
  images?: string | string[];
  /** an already prepared calibration set (prepareCalibrationSet()) instead of `images` */
  set?: CalibrationSet;
  /** images to sample from `images`; default min(500, available) */
  count?: number;
  /** sampling seed; default 0 */
  seed?: number;
  /** where prepared tensors are cached; default <os tmpdir>/yoloe-trt-calibration */
  cacheDir?: string;
  /** TensorRT calibrator: 'entropy' (IInt8EntropyCalibrator2) or 'minmax'; default 'entropy' */
  method?: 'entropy' | 'minmax';
  /** calibration cache file: reused when valid, written after calibrating */
  cache?: string;
  /** a cache from another TensorRT version: 'rewrite' its header (default) or 'error' */
  cacheVersionMismatch?: 'rewrite' | 'error';
  /**
   * run-time-vocabulary models calibrated from images: the class embeddings fed with every batch
   * (TensorRT asks for every input), K x D with K = the profile's opt (`vocabularySize.opt`,
   * default 80), e.g. your deployment classes; required there, unused with a cache
   */
  embeddings?: ClassEmbeddings | Float32Array;
}

export interface BuildProgressEvent extends NativeBuildProgress {}

export interface BuildEngineOptions {
  /** the ONNX model to build from */
  onnx: string;
  /** the engine file to write */
  output: string;
  /** 'engine' (default): metadata header + plan; 'plan': the plain plan trtexec and Triton load, metadata in `<output>.json` */
  format?: 'engine' | 'plan';
  /** default 'fp16'. TensorRT 10: builder flags ('best' = fp16 + int8). TensorRT 11: fp16 converts the ONNX to FP16, int8 needs a Q/DQ ONNX */
  precision?: EnginePrecision;
  /** optimization profile for dynamic inputs; one range (first input) or one per input */
  shapes?: ShapeRange | ShapeRange[];
  /**
   * run-time-vocabulary models (a class-embeddings input [1, K, D]): the class counts K the
   * profile covers unless `shapes` names that input; default { min: 1, opt: 80, max: 1203 }
   */
  vocabularySize?: { min?: number; opt?: number; max?: number };
  /**
   * run-time-vocabulary models under implicit INT8 (TensorRT 10, precision 'int8' / 'best' with
   * calibration): 'auto' (default) keeps FP16 every layer downstream of the class-embeddings input
   * (the contrastive product) and the proto branch (layers that reach the protos output but not
   * output0), with kPREFER_PRECISION_CONSTRAINTS, since INT8 there breaks small objects
   * (ultralytics#25530); 'none' leaves every layer to TensorRT. Strongly typed builds (Q/DQ or
   * FP16 ONNX, TensorRT 11) take their types from the graph and pin nothing.
   */
  fp16Layers?: 'auto' | 'none';
  /** workspace memory pool limit in GiB (as Ultralytics' `workspace`); default TensorRT's (all device memory) */
  workspace?: number;
  /** timing cache file, read when present and written back: rebuilds get faster */
  timingCache?: string;
  /** builder optimization level 0..5; default TensorRT's (3) */
  optimizationLevel?: number;
  /** DLA core (Jetson AGX/NX Orin, Xavier); default none (GPU) */
  dlaCore?: number;
  /** let layers DLA cannot run fall back to the GPU; default true */
  gpuFallback?: boolean;
  /** CUDA device; default 0 */
  device?: number;
  /** BuilderFlag kVERSION_COMPATIBLE: later TensorRT releases of the same major load the engine; default false */
  versionCompatible?: boolean;
  /** 'ampere+' (HardwareCompatibilityLevel kAMPERE_PLUS): the engine runs on any Ampere or newer GPU; default 'none' (this GPU's compute capability) */
  hardwareCompatibility?: 'none' | 'ampere+';
  /** INT8 calibration (TensorRT 10, precision 'int8' / 'best' from a float ONNX) */
  calibration?: CalibrationOptions;
  /** progress of TensorRT's build phases */
  onProgress?: (event: BuildProgressEvent) => void;
  /** cancels the build at TensorRT's next step or calibration batch (ERR_CANCELLED) */
  signal?: AbortSignal;
}

/** Every key buildEngine() accepts, and its calibration's; anything else is ERR_INVALID_OPTION. Add new options here. */
export const BUILD_ENGINE_OPTION_KEYS: readonly string[] = [
  'onnx', 'output', 'precision', 'shapes', 'workspace', 'timingCache', 'optimizationLevel', 'dlaCore', 'gpuFallback', 'device', 'calibration', 'onProgress', 'signal', 'vocabularySize',
  'versionCompatible', 'hardwareCompatibility', 'format',
  'fp16Layers',
];
export const BUILD_CALIBRATION_KEYS: readonly string[] = ['images', 'set', 'count', 'seed', 'cacheDir', 'method', 'cache', 'cacheVersionMismatch', 'embeddings'];

export interface BuildEngineResult {
  output: string;
  /** format 'plan': the metadata sidecar written next to the plan */
  sidecar?: string;
  metadata: EngineMetadata;
  warnings: string[];
  calibrationCache: NativeBuildResult['calibrationCache'];
  timingCacheSaved: boolean;
  seconds: number;
}

interface ValidatedOptions {
  onnx: string;
  output: string;
  format: 'engine' | 'plan';
  precision: EnginePrecision;
  shapes: Required<ShapeRange>[];
  vocabularySize: { min: number; opt: number; max: number };
  fp16Layers: 'auto' | 'none';
  workspaceBytes?: number;
  timingCache?: string;
  optimizationLevel?: number;
  dlaCore?: number;
  gpuFallback: boolean;
  device: number;
  versionCompatible: boolean;
  hardwareCompatibility: 'none' | 'ampere+';
  calibration?: Omit<CalibrationOptions, 'method' | 'cacheVersionMismatch'> & { method: 'entropy' | 'minmax'; cacheVersionMismatch: 'rewrite' | 'error' };
  onProgress?: (event: BuildProgressEvent) => void;
  signal?: AbortSignal;
}

function dimsList(option: string, value: unknown): number[] {
  if (!Array.isArray(value) || value.length < 1 || value.length > 8 || !value.every((v) => Number.isInteger(v) && v >= 1 && v <= 1 << 20)) {
    throw invalidOption(option, 'an array of 1 to 8 positive integers', value);
  }
  return value as number[];
}

function validateShapes(value: unknown): Required<ShapeRange>[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalidOption('shapes', 'a { min, opt, max } range or a non-empty array of them', value);
  return list.map((entry, i) => {
    const name = Array.isArray(value) ? `shapes[${i}]` : 'shapes';
    const o = entry === null || typeof entry !== 'object' || Array.isArray(entry) ? undefined : (entry as Record<string, unknown>);
    if (!o) throw invalidOption(name, 'an object { min, opt, max }', entry);
    const min = dimsList(`${name}.min`, o.min);
    const opt = dimsList(`${name}.opt`, o.opt);
    const max = dimsList(`${name}.max`, o.max);
    if (opt.length !== min.length || max.length !== min.length) {
      throw invalidOption(`${name}`, 'min, opt and max of the same rank', `ranks ${min.length}, ${opt.length}, ${max.length}`);
    }
    if (!min.every((m, d) => m <= opt[d] && opt[d] <= max[d])) {
      throw invalidOption(`${name}.opt`, `dims between min [${min}] and max [${max}]`, `[${opt}]`);
    }
    const input = optString(`${name}.input`, o.input, '')!;
    return { input, min, opt, max };
  });
}

function validateCalibration(value: unknown): ValidatedOptions['calibration'] {
  if (value === undefined) return undefined;
  const o = optObject('calibration', value);
  checkKnownKeys('buildEngine calibration', o, BUILD_CALIBRATION_KEYS);
  if (o.images !== undefined && o.set !== undefined) throw invalidOption('calibration', 'either images or set, not both', value);
  if (o.images !== undefined) {
    const ok = (typeof o.images === 'string' && o.images.length > 0) || (Array.isArray(o.images) && o.images.length > 0 && o.images.every((p) => typeof p === 'string' && p.length > 0));
    if (!ok) throw invalidOption('calibration.images', 'a folder path or a non-empty array of image paths', o.images);
  }
  if (o.set !== undefined) {
    const set = o.set as Partial<CalibrationSet>;
    if (set === null || typeof set !== 'object' || typeof set.writeTensorFile !== 'function' || typeof set.digest !== 'string') {
      throw invalidOption('calibration.set', 'a CalibrationSet from prepareCalibrationSet()', o.set);
    }
  }
  const cache = optString('calibration.cache', o.cache);
  if (o.images === undefined && o.set === undefined && cache === undefined) {
    throw invalidOption('calibration', 'images, set or an existing cache', value);
  }
  return {
    images: o.images as string | string[] | undefined,
    set: o.set as CalibrationSet | undefined,
    count: o.count === undefined ? undefined : optNumber('calibration.count', o.count, 1, 1, 1_000_000, { integer: true }),
    seed: o.seed === undefined ? undefined : optNumber('calibration.seed', o.seed, 0, 0, 2 ** 32 - 1, { integer: true }),
    cacheDir: optString('calibration.cacheDir', o.cacheDir),
    method: optEnum('calibration.method', o.method, ['entropy', 'minmax'] as const, 'entropy'),
    cache,
    cacheVersionMismatch: optEnum('calibration.cacheVersionMismatch', o.cacheVersionMismatch, ['rewrite', 'error'] as const, 'rewrite'),
    embeddings: o.embeddings as CalibrationOptions['embeddings'],
  };
}

/**
 * Checks every option, with the uniform "Expected <what> for <option> but received <value>"
 * message, before anything native is touched. Exported for the CLI and tests.
 * @throws ERR_INVALID_OPTION
 */
export function validateBuildOptions(options: BuildEngineOptions): ValidatedOptions {
  const o = optObject('buildEngine options', options) as Record<string, unknown>;
  checkKnownKeys('buildEngine', o, BUILD_ENGINE_OPTION_KEYS);
  const onnx = optString('onnx', o.onnx);
  if (onnx === undefined) throw invalidOption('onnx', 'the path of an ONNX model', o.onnx);
  const output = optString('output', o.output);
  if (output === undefined) throw invalidOption('output', 'the path of the engine file to write', o.output);
  if (resolve(output) === resolve(onnx)) throw invalidOption('output', 'a path other than the ONNX model', o.output);
  const format = optEnum('format', o.format, ['engine', 'plan'] as const, 'engine');
  const precision = optEnum('precision', o.precision, ['fp32', 'fp16', 'int8', 'best'] as const, 'fp16');
  const shapes = validateShapes(o.shapes);
  const vocabularySize = validClassRange('vocabularySize', o.vocabularySize);
  const fp16Layers = optEnum('fp16Layers', o.fp16Layers, ['auto', 'none'] as const, 'auto');
  const workspace = o.workspace === undefined ? undefined : optNumber('workspace', o.workspace, 4, 0, 1024, { exclusiveMin: true });
  const timingCache = optString('timingCache', o.timingCache);
  const optimizationLevel = o.optimizationLevel === undefined ? undefined : optNumber('optimizationLevel', o.optimizationLevel, 3, 0, 5, { integer: true });
  const dlaCore = o.dlaCore === undefined ? undefined : optNumber('dlaCore', o.dlaCore, 0, 0, 15, { integer: true });
  const gpuFallback = optBoolean('gpuFallback', o.gpuFallback, true);
  const device = optNumber('device', o.device, 0, 0, 255, { integer: true });
  const versionCompatible = optBoolean('versionCompatible', o.versionCompatible, false);
  const hardwareCompatibility = optEnum('hardwareCompatibility', o.hardwareCompatibility, ['none', 'ampere+'] as const, 'none');
  if (dlaCore !== undefined && precision === 'fp32') throw invalidOption('precision', "'fp16', 'int8' or 'best' with dlaCore (DLA has no FP32)", precision);
  const calibration = validateCalibration(o.calibration);
  if (calibration && precision !== 'int8' && precision !== 'best') {
    throw invalidOption('calibration', "precision 'int8' or 'best' (calibration only feeds INT8)", `precision ${precision}`);
  }
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw invalidOption('onProgress', 'a function', o.onProgress);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) throw invalidOption('signal', 'an AbortSignal', o.signal);
  return {
    onnx,
    output,
    format,
    precision,
    shapes,
    vocabularySize,
    fp16Layers,
    workspaceBytes: workspace === undefined ? undefined : Math.round(workspace * 2 ** 30),
    timingCache,
    optimizationLevel,
    dlaCore,
    gpuFallback,
    device,
    versionCompatible,
    hardwareCompatibility,
    calibration,
    onProgress: o.onProgress as ValidatedOptions['onProgress'],
    signal: o.signal as AbortSignal | undefined,
  };
}

/** Whether the ONNX already fixes its precisions: Q/DQ nodes (explicit INT8) or FP16 weights. */
export function onnxPrecisionTraits(model: OnnxModel): { qdq: boolean; fp16: boolean } {
  const graph = model.graph;
  const qdq = graph?.node.some((n) => n.opType === 'QuantizeLinear' || n.opType === 'DequantizeLinear') ?? false;
  const fp16 = graph?.initializer.some((t) => t.dataType === ONNX_FLOAT16) ?? false;
  return { qdq, fp16 };
}

function majorOf(version: string | undefined): number {
  const major = Number(version?.split('.')[0]);
  return Number.isInteger(major) ? major : 0;
}

/**
 * What an engine's precision really is: a strongly typed network takes its types from the ONNX
 * (Q/DQ -> int8, FP16 weights or our FP16 conversion -> fp16, else fp32), whatever was asked; a
 * weakly typed one (TensorRT 10 builder flags) is what was asked.
 */
function builtPrecision(asked: EnginePrecision, stronglyTyped: boolean, traits: { qdq: boolean; fp16: boolean }, convertedToFp16: boolean): EnginePrecision {
  if (!stronglyTyped) return asked;
  if (traits.qdq) return 'int8';
  return traits.fp16 || convertedToFp16 ? 'fp16' : 'fp32';
}

/** What engine metadata's fp16Layers counts: the two rules of fp16Pins(). */
export const FP16_RULE = 'downstream of the class embeddings; proto branch (reaches output1, not output0)';

/**
 * fp16Layers 'auto' for a run-time-vocabulary model under INT8: the native builder keeps FP16
 * what is downstream of the embeddings input and the proto branch (outputs[1] of a segmentation
 * export) that does not feed outputs[0]. Asked whatever the typing: the native side says in its
 * report when a strongly typed network (or TensorRT 11) takes its types from the graph instead.
 */
function fp16Pins(o: ValidatedOptions, embeddingsInput: string | undefined, outputs: string[]): NativeBuildOptions['fp16Layers'] {
  if (o.fp16Layers === 'none' || embeddingsInput === undefined || (o.precision !== 'int8' && o.precision !== 'best')) return undefined;
  return { embeddingsInput, detectionOutput: outputs[0], ...(outputs.length > 1 && { protoOutput: outputs[1] }) };
}

/** calibration.embeddings as the embeddings input's calibration tensor (its opt shape [B, K, D]). */
function calibrationEmbeddings(value: CalibrationOptions['embeddings'], opt: number[]): Float32Array {
  const [batch, k, dim] = opt as [number, number, number];
  const data = value instanceof Float32Array ? value : value !== null && typeof value === 'object' && value.data instanceof Float32Array ? value.data : undefined;
  const what = `${k} x ${dim} class embeddings (the calibration shape [${opt}] of the embeddings input is its profile's opt: set vocabularySize.opt to your class count)`;
  if (data === undefined) throw invalidOption('calibration.embeddings', `${what}, needed to calibrate a run-time-vocabulary model from images`, value);
  if (data.length !== batch * k * dim) throw invalidOption('calibration.embeddings', what, `${data.length} floats`);
  const bad = data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) throw invalidOption('calibration.embeddings', 'finite values', `${data[bad]} at index ${bad}`);
  return data;
}

/** The static [H, W] of a 4-D input, or the opt shape's. */
function calibrationShape(inputDims: (number | string)[], range: Required<ShapeRange> | undefined): number[] | undefined {
  if (range) return range.opt;
  return inputDims.every((d) => typeof d === 'number' && d > 0) ? (inputDims as number[]) : undefined;
}

/**
 * Builds a TensorRT engine from an ONNX model and writes it with a metadata header (model info,
 * class names, imgsz, stride, task, precision, TensorRT version, GPU, calibration digest).
 * Options are all validated before native code runs; a machine without TensorRT gets
 * ERR_BACKEND_UNAVAILABLE naming what is missing.
 *
 * @param options.precision default 'fp16'
 * @param options.shapes needed for dynamic inputs, e.g. { min: [1,3,320,320], opt: [1,3,640,640], max: [8,3,640,640] }
 * @param options.workspace GiB; default TensorRT's
 * @param options.calibration INT8 on TensorRT 10: { images: 'calib/', count: 500, method: 'entropy', cache: 'model.cache' }
 * @example
 * await buildEngine({ onnx: 'yolov8n.onnx', output: 'yolov8n.engine', precision: 'fp16',
 *   onProgress: (e) => e.type === 'start' && console.log(e.phase) });
 */
export async function buildEngine(options: BuildEngineOptions): Promise<BuildEngineResult> {
  const started = Date.now();
  const o = validateBuildOptions(options);
  if (!existsSync(o.onnx) || !statSync(o.onnx).isFile()) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `ONNX model not found: ${o.onnx}`, { path: o.onnx });
  // before the minutes-long build: the engine file must be writable and not the ONNX itself
  checkOutputPath(o.output, { inputs: [o.onnx], option: 'output' });
  const model = loadOnnxFile(o.onnx);
  const description = describeModel(model);
  const traits = onnxPrecisionTraits(model);
  if (description.inputs.length === 0) throw new YoloeTrtError('ERR_MODEL_FORMAT', `The ONNX model has no inputs: ${o.onnx}`);

  // run-time vocabularies: a profile over K for the class embeddings unless the caller gave one
  const embeddingsRange = embeddingsShapeRange(description.inputs, description.metadata, o.vocabularySize);
  if (embeddingsRange && !o.shapes.some((s) => s.input === embeddingsRange.input)) o.shapes.push(embeddingsRange);
  if (o.calibration?.embeddings !== undefined && !embeddingsRange) {
    throw invalidOption('calibration.embeddings', 'a run-time-vocabulary model (an ONNX with a class-embeddings input)', `${basename(o.onnx)} with fixed classes`);
  }

  const { binding, runtime } = requireTensorRt(o.device);
  const probe = binding.probe();
  if (probe.buildable === false) {
    throw new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', `TensorRT can run engines here but cannot build them: ${probe.buildError ?? 'its builder is missing'}`, { reason: probe.buildError });
  }
  const major = majorOf(runtime.tensorrtVersion);
  const temporary: string[] = [];
  try {
    let onnxPath = resolve(o.onnx);
    let stronglyTyped = traits.qdq || traits.fp16;
    if (major >= 11) {
      // TensorRT 11 has no precision flags and no calibrators: the ONNX's types are the engine's.
      stronglyTyped = true;
      if (o.precision === 'int8' && !traits.qdq) {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `TensorRT ${runtime.tensorrtVersion} builds INT8 only from a Q/DQ ONNX: quantize the model first with quantize(), then build that`, { option: 'precision' });
      }
      if (o.precision === 'best') {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `precision 'best' is a TensorRT 10 builder flag; TensorRT ${runtime.tensorrtVersion} takes 'fp16' (FP16 ONNX) or 'int8' (Q/DQ ONNX)`, { option: 'precision' });
      }
      if (o.calibration) {
        throw new YoloeTrtError('ERR_INVALID_OPTION', `TensorRT ${runtime.tensorrtVersion} has no INT8 calibrators: quantize the model with quantize() (Q/DQ) instead of passing calibration`, { option: 'calibration' });
      }
      if (o.precision === 'fp16' && !traits.fp16 && !traits.qdq) {
        const folder = mkdtempSync(join(tmpdir(), 'yoloe-trt-fp16-'));
        temporary.push(folder);
        onnxPath = join(folder, `${basename(o.onnx, '.onnx')}_fp16.onnx`);
        writeFileAtomicSync(onnxPath, writeOnnx(convertToFp16(model, { keepIoTypes: true })));
      }
    } else if ((o.precision === 'int8' || o.precision === 'best') && !traits.qdq && !o.calibration) {
      throw invalidOption('calibration', `{ images } (or a cache) for precision '${o.precision}' from a float ONNX, or a Q/DQ ONNX from quantize()`, undefined);
    }

    const firstRange = o.shapes.find((s) => s.input === '' || s.input === description.inputs[0].name);
    let calibrationSet: CalibrationSet | undefined;
    let calibrationData: string | undefined;
    let embeddingsFile: string | undefined;
    if (o.calibration && !stronglyTyped) {
      const shape = calibrationShape(description.inputs[0].dims, firstRange);
      if (!shape || shape.length !== 4) {
        throw invalidOption('shapes', `an opt shape [N, 3, H, W] for calibrating input '${description.inputs[0].name}'`, description.inputs[0].dims.join('x'));
      }
      const [batch, , h, w] = shape;
      if (o.calibration.images !== undefined || o.calibration.set !== undefined) {
        calibrationSet = o.calibration.set ?? (await prepareCalibrationSet({ images: o.calibration.images!, count: o.calibration.count, imgsz: [h, w], seed: o.calibration.seed, cacheDir: o.calibration.cacheDir }));
        if (calibrationSet.imgsz[0] !== h || calibrationSet.imgsz[1] !== w) {
          throw invalidOption('calibration.set', `a set prepared at imgsz [${h}, ${w}] (the engine's calibration shape)`, `imgsz [${calibrationSet.imgsz}]`);
        }
        if (calibrationSet.count < batch) throw invalidOption('calibration.count', `at least the calibration batch size ${batch}`, calibrationSet.count);
        calibrationData = calibrationSet.writeTensorFile(batch);
        if (embeddingsRange) {
          const range = o.shapes.find((s) => s.input === embeddingsRange.input)!;
          const folder = mkdtempSync(join(tmpdir(), 'yoloe-trt-calib-embeddings-'));
          temporary.push(folder);
          embeddingsFile = join(folder, 'class_embeddings.f32');
          const data = calibrationEmbeddings(o.calibration.embeddings, range.opt);
          writeFileAtomicSync(embeddingsFile, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
        }
      }
    }

    const pins = fp16Pins(o, embeddingsRange?.input, description.outputs.map((t) => t.name));
    const nativeOptions: NativeBuildOptions = {
      onnx: onnxPath,
      precision: o.precision,
      stronglyTyped,
      shapes: o.shapes.map((s) => ({ input: s.input, min: s.min, opt: s.opt, max: s.max })),
      gpuFallback: o.gpuFallback,
      device: o.device,
      ...(o.versionCompatible && { versionCompatible: true }),
      ...(o.hardwareCompatibility !== 'none' && { hardwareCompatibility: o.hardwareCompatibility }),
      ...(o.workspaceBytes !== undefined && { workspace: o.workspaceBytes }),
      ...(o.timingCache !== undefined && { timingCache: resolve(o.timingCache) }),
      ...(o.optimizationLevel !== undefined && { optimizationLevel: o.optimizationLevel }),
      ...(o.dlaCore !== undefined && { dlaCore: o.dlaCore }),
      ...(pins && { fp16Layers: pins }),
      ...(o.calibration && !stronglyTyped && {
        calibration: {
          ...(calibrationData !== undefined && { data: calibrationData }),
          ...(o.calibration.cache !== undefined && { cache: resolve(o.calibration.cache) }),
          method: o.calibration.method,
          rejectVersionMismatch: o.calibration.cacheVersionMismatch === 'error',
          ...(embeddingsFile && { fixedInputs: [{ input: embeddingsRange!.input, file: embeddingsFile }] }),
        },
      }),
    };
    if (o.signal?.aborted) throw new YoloeTrtError('ERR_CANCELLED', 'Engine build cancelled before it started');
    const onProgress = (event: NativeBuildProgress): boolean => {
      if (o.signal?.aborted) return false;
      o.onProgress?.(event);
      return !o.signal?.aborted;
    };
    // The abort listener raises a flag the builder reads at its next step or calibration batch,
    // without waiting for a progress event to reach JavaScript.
    const cancel = o.signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
    const abort = (): void => {
      if (cancel) Atomics.store(cancel, 0, 1);
    };
    o.signal?.addEventListener('abort', abort, { once: true });
    let built: NativeBuildResult;
    try {
      built = await binding.buildEngine(nativeOptions, o.onProgress ? onProgress : undefined, cancel);
    } catch (err) {
      throw fromNativeError(err);
    } finally {
      o.signal?.removeEventListener('abort', abort);
    }

    const meta = parseUltralyticsMetadata(description.metadata);
    const input = description.inputs[0];
    const staticHw = input.dims.length === 4 && typeof input.dims[2] === 'number' && typeof input.dims[3] === 'number' ? ([input.dims[2], input.dims[3]] as [number, number]) : undefined;
    const task: Task = meta.task === 'segment' || (meta.task === undefined && description.outputs.length > 1) ? 'segment' : 'detect';
    const metadata: EngineMetadata = {
      format: 'yoloe-trt-engine',
      producer: `yoloe-trt ${PACKAGE_VERSION}`,
      createdAt: new Date().toISOString(),
      source: basename(o.onnx),
      task,
      names: meta.names ?? [],
      imgsz: staticHw ?? meta.imgsz ?? (firstRange ? [firstRange.opt[2], firstRange.opt[3]] : [640, 640]),
      stride: meta.stride ?? 32,
      precision: builtPrecision(o.precision, stronglyTyped, traits, onnxPath !== resolve(o.onnx)),
      inputs: description.inputs,
      outputs: description.outputs,
      ...(firstRange && { shapes: { min: firstRange.min, opt: firstRange.opt, max: firstRange.max } }),
      tensorrt: { version: built.tensorrtVersion, versionCode: built.tensorrtVersionCode, ...(built.tensorrtBuild >= 0 && { build: built.tensorrtBuild }) },
      gpu: { name: built.gpu.name, computeCapability: built.gpu.computeCapability },
      ...(o.dlaCore !== undefined && { dlaCore: o.dlaCore }),
      ...(o.versionCompatible && { versionCompatible: true }),
      ...(o.hardwareCompatibility !== 'none' && { hardwareCompatibility: o.hardwareCompatibility }),
      ...(built.fp16Layers && { fp16Layers: { rule: FP16_RULE, ...built.fp16Layers } }),
      ...(calibrationSet && {
        calibration: { digest: calibrationSet.digest, method: o.calibration!.method, images: calibrationSet.count, ...(o.calibration!.cache && { cache: basename(o.calibration!.cache) }) },
      }),
      onnxMetadata: description.metadata,
    };
    const warnings = [...built.warnings];
    if (metadata.precision !== o.precision) {
      warnings.push(`precision '${o.precision}' was asked, but the ONNX fixes its types (${traits.qdq ? 'Q/DQ nodes' : 'FP16 weights'}) so TensorRT built it strongly typed: the engine is labelled '${metadata.precision}'`);
    }
    if (o.format === 'plan') writePlanWithSidecar(o.output, metadata, built.plan);
    else writeEngineFile(o.output, metadata, built.plan);
    return {
      output: resolve(o.output),
      ...(o.format === 'plan' && { sidecar: resolve(sidecarPath(o.output)) }),
      metadata,
      warnings,
      calibrationCache: built.calibrationCache,
      timingCacheSaved: built.timingCacheSaved,
      seconds: (Date.now() - started) / 1000,
    };
  } finally {
    for (const folder of temporary) rmSync(folder, { recursive: true, force: true });
  }
}
