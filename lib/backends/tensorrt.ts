import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import type { NativeEngineHandle, NativeEngineInfo, NativeEngineTensor, NativeOutputTensor, TensorRtBinding, TensorRtProbe } from '../../binding-tensorrt.js';
import { YoloeTrtError } from '../errors.js';
import { loadAddon, type AddonStatus } from '../native/addon.js';
import { fromNativeError } from '../native/errors.js';
import type { LetterboxGeometry, RgbImage, Tensor, TensorInfo } from '../types.js';
import { optBoolean, optNumber, optObject } from '../validate.js';
import type { Backend, BackendOptions } from './backend.js';
import { checkEngineCompatibility, engineMetadataRecord, readEngineHeader, type EngineHeader, type RuntimeIdentity } from './engine-file.js';

/** Options of the TensorRT backend (on top of the shared BackendOptions, which it ignores). */
export interface TensorRtBackendOptions extends BackendOptions {
  /** CUDA device ordinal; default 0 */
  device?: number;
  /** execution contexts (concurrent inferences) per engine; default 2 */
  maxContexts?: number;
  /** replay CUDA graphs for static-shape engines; default true */
  cudaGraphs?: boolean;
}

/** The CUDA error text of an old driver (CUDA_ERROR_INSUFFICIENT_DRIVER, the driver API table's check). */
const OLD_DRIVER = /INSUFFICIENT_DRIVER|driver is too old|older than the CUDA|insufficient driver/i;

/** Where TensorRT stands on this machine, and the binding when it is usable. */
export interface TensorRtAvailability {
  usable: boolean;
  /** what is missing, naming the piece: addon, headers at build time, libnvinfer at run time, driver, GPU */
  reason?: string;
  /** what to do about it */
  fix?: string;
  probe?: TensorRtProbe;
  binding?: TensorRtBinding;
  runtime?: RuntimeIdentity;
}

/**
 * Checks, without touching an engine, whether TensorRT can run here: the native addon is
 * loaded, it was compiled with TensorRT headers, libnvinfer of that major loads at run time,
 * and a CUDA driver and GPU are present. YOLOE_TRT_DISABLE_TENSORRT=1 turns TensorRT off.
 * `addon` is the loaded addon's status (tests pass their own).
 * @example const { usable, reason } = tensorRtAvailability();
 */
export function tensorRtAvailability(device = 0, addon: AddonStatus = loadAddon()): TensorRtAvailability {
  if (process.env.YOLOE_TRT_DISABLE_TENSORRT === '1') {
    return { usable: false, reason: 'TensorRT is disabled by YOLOE_TRT_DISABLE_TENSORRT=1', fix: 'unset YOLOE_TRT_DISABLE_TENSORRT' };
  }
  if (!addon.binding) {
    return {
      usable: false,
      reason: `the native addon is not loaded (${addon.error ?? 'unknown reason'})`,
      fix: 'install a prebuilt yoloe-trt binary for this platform or build the addon (npx cmake-js build)',
    };
  }
  const binding = addon.binding.tensorrt;
  if (!binding) {
    return { usable: false, reason: 'the native addon has no TensorRT binding', fix: 'rebuild the addon from this version of yoloe-trt' };
  }
  const probe = binding.probe();
  if (!probe.compiled) {
    const found = probe.found ? ` (libnvinfer ${probe.version ?? ''} is installed at ${probe.library})` : '';
    return {
      usable: false,
      probe,
      reason: `the addon was built without TensorRT headers${found}`,
      fix: 'install the TensorRT development headers (NvInfer.h, NvOnnxParser.h) and rebuild the addon with TENSORRT_INCLUDE_DIR set',
    };
  }
  if (!probe.found) {
    return {
      usable: false,
      probe,
      reason: `libnvinfer was not found at run time: ${probe.error ?? `searched ${probe.searchedPaths.join(', ')}`}`,
      fix: `install TensorRT ${probe.acceptedMajors.join(' or ')} (JetPack on Jetson) or set TENSORRT_LIB_DIR to the folder holding libnvinfer`,
    };
  }
  const runtime: RuntimeIdentity = { tensorrtVersion: probe.version, ...(typeof probe.build === 'number' && probe.build >= 0 && { tensorrtBuild: probe.build }) };
  const cuda = addon.binding.capabilities?.().cuda;
  if (cuda?.compiled) {
    if (cuda.error && OLD_DRIVER.test(cuda.error)) {
      return {
        usable: false,
        probe,
        reason: `the NVIDIA driver is too old for this build (${cuda.error})`,
        fix: 'update the NVIDIA driver (the message names the CUDA version it needs)',
      };
    }
    if (cuda.driverVersion === null || cuda.driverVersion === 0) {
      return { usable: false, probe, reason: `no NVIDIA driver is installed${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'install the NVIDIA driver' };
    }
    if (cuda.devices.length === 0) {
      return { usable: false, probe, reason: `no CUDA GPU was found${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'run on a machine with an NVIDIA GPU' };
    }
    const gpu = cuda.devices[device];
    if (!gpu) {
      return { usable: false, probe, reason: `CUDA device ${device} does not exist (${cuda.devices.length} device(s))`, fix: `use a device between 0 and ${cuda.devices.length - 1}` };
    }
    runtime.gpu = { name: gpu.name, computeCapability: gpu.computeCapability };
  }
  return { usable: true, probe, binding, runtime };
}

/** The TensorRT binding, or ERR_BACKEND_UNAVAILABLE saying what is missing. */
export function requireTensorRt(device = 0): { binding: TensorRtBinding; runtime: RuntimeIdentity } {
  const status = tensorRtAvailability(device);
  if (!status.usable || !status.binding) {
    throw new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', `TensorRT is not usable: ${status.reason}. Fix: ${status.fix}`, {
      reason: status.reason,
      fix: status.fix,
      searchedPaths: status.probe?.searchedPaths,
    });
  }
  return { binding: status.binding, runtime: status.runtime ?? {} };
}

function tensorInfo(tensor: NativeEngineTensor): TensorInfo {
  const symbols = tensor.dims.length === 4 ? ['batch', 'channels', 'height', 'width'] : tensor.dims.map((_, i) => `dim${i}`);
  const dynamic = tensor.dims.some((d) => d < 0);
  return {
    name: tensor.name,
    dtype: tensor.dtype,
    dims: tensor.dims.map((d, i) => (d >= 0 ? d : symbols[i])),
    // the profile's range, so callers keep batches and sizes inside it
    ...(dynamic && tensor.min && tensor.opt && tensor.max && { profile: { min: tensor.min, opt: tensor.opt, max: tensor.max } }),
  };
}

/**
 * Admits at most `limit` native calls at once; the rest wait here, in JavaScript, instead of
 * occupying libuv pool threads blocked on a busy execution context.
 */
class CallGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(call: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await call();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}

function toTensor(output: NativeOutputTensor): Tensor {
  return { dtype: output.dtype, dims: output.dims, data: output.data };
}

/** A TensorRT engine behind the Backend interface: tensors in, tensors out, safe to call concurrently. */
export class TensorRtBackend implements Backend {
  readonly name = 'tensorrt' as const;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly header: EngineHeader;
  readonly warnings: string[];
  private handle: NativeEngineHandle | null;
  private readonly gate: CallGate;

  private constructor(private readonly binding: TensorRtBinding, handle: NativeEngineHandle, header: EngineHeader, warnings: string[], maxContexts: number) {
    this.handle = handle;
    this.gate = new CallGate(maxContexts);
    this.header = header;
    this.warnings = warnings;
    const info = binding.engineInfo(handle);
    this.inputs = info.inputs.map(tensorInfo);
    this.outputs = info.outputs.map(tensorInfo);
  }

  /** @internal use openTensorRtEngine() */
  static async open(path: string, options: TensorRtBackendOptions = {}): Promise<TensorRtBackend> {
    const o = optObject('backend options', options) as TensorRtBackendOptions;
    const device = optNumber('device', o.device, 0, 0, 255, { integer: true });
    const maxContexts = optNumber('maxContexts', o.maxContexts, 2, 1, 64, { integer: true });
    const cudaGraphs = optBoolean('cudaGraphs', o.cudaGraphs, true);
    if (typeof path !== 'string' || path.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an engine file path but received ${String(path)}`);
    if (!existsSync(path)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Engine file not found: ${path}`, { path });
    // The header is read first: a damaged file is ERR_MODEL_FORMAT even where TensorRT is absent.
    const header = readEngineHeader(path);
    const { binding, runtime } = requireTensorRt(device);
    const warnings = checkEngineCompatibility(header, runtime, basename(path));
    // The header was parsed here (this side owns it): the addon reads the plan from its offset.
    const meta = header.kind === 'yoloe' || header.sidecar ? (header.metadata as { dlaCore?: unknown; versionCompatible?: unknown } | null) : null;
    const dlaCore = meta?.dlaCore;
    let handle: NativeEngineHandle;
    try {
      handle = await binding.loadEngine(path, {
        device,
        maxContexts,
        cudaGraphs,
        planOffset: header.planOffset,
        ...(typeof dlaCore === 'number' && dlaCore >= 0 && { dlaCore }),
        // a version-compatible plan embeds the lean runtime: TensorRT runs its host code only when allowed
        ...(meta?.versionCompatible === true && { hostCodeAllowed: true }),
      });
    } catch (err) {
      throw fromNativeError(err);
    }
    return new TensorRtBackend(binding, handle, header, warnings, maxContexts);
  }

  private live(): NativeEngineHandle {
    if (!this.handle) throw new YoloeTrtError('ERR_DISPOSED', 'The TensorRT engine was disposed');
    return this.handle;
  }

  /** Engine details: profiles, GPU, zero-copy, CUDA-graph statistics. */
  info(): NativeEngineInfo {
    return this.binding.engineInfo(this.live());
  }

  async run(feeds: Record<string, Tensor>, outputNames?: string[]): Promise<Record<string, Tensor>> {
    const handle = this.live();
    const inputs = Object.entries(feeds).map(([name, tensor]) => {
      const expected = this.inputs.find((i) => i.name === name);
      if (!expected) throw new YoloeTrtError('ERR_SHAPE', `The engine has no input '${name}' (inputs: ${this.inputs.map((i) => i.name).join(', ')})`);
      if (expected.dtype !== tensor.dtype) {
        throw new YoloeTrtError('ERR_SHAPE', `Input '${name}' must be ${expected.dtype}, got ${tensor.dtype}`);
      }
      return { name, dims: tensor.dims, data: tensor.data };
    });
    let outputs: NativeOutputTensor[];
    try {
      outputs = await this.gate.run(() => this.binding.infer(handle, inputs));
    } catch (err) {
      throw fromNativeError(err);
    }
    return this.pick(outputs, outputNames);
  }

  /**
   * Letterboxes decoded images on the GPU (native/cuda, same bytes as lib/image) straight into
   * the engine input and runs it: no float tensor crosses from JavaScript.
   */
  async runImages(images: RgbImage[], geometries: LetterboxGeometry[], padValue = 114, outputNames?: string[]): Promise<Record<string, Tensor>> {
    const handle = this.live();
    if (!Array.isArray(images) || images.length === 0 || images.length !== geometries?.length) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected one letterbox geometry per image for runImages');
    }
    const { dstWidth, dstHeight } = geometries[0];
    if (!geometries.every((g) => g.dstWidth === dstWidth && g.dstHeight === dstHeight)) {
      throw new YoloeTrtError('ERR_SHAPE', 'All images of a batch must be letterboxed to the same input size');
    }
    let outputs: NativeOutputTensor[];
    try {
      outputs = await this.gate.run(() => this.binding.inferImages(handle, {
        images: images.map((image, i) => ({
          data: image.data,
          width: image.width,
          height: image.height,
          newWidth: geometries[i].newWidth,
          newHeight: geometries[i].newHeight,
          left: geometries[i].left,
          top: geometries[i].top,
        })),
        inputWidth: dstWidth,
        inputHeight: dstHeight,
        padValue,
      })).then((run) => run.outputs);
    } catch (err) {
      throw fromNativeError(err);
    }
    return this.pick(outputs, outputNames);
  }

  private pick(outputs: NativeOutputTensor[], outputNames?: string[]): Record<string, Tensor> {
    const result: Record<string, Tensor> = {};
    for (const output of outputs) {
      if (!outputNames || outputNames.includes(output.name)) result[output.name] = toTensor(output);
    }
    return result;
  }

  async dispose(): Promise<void> {
    if (!this.handle) return;
    this.binding.releaseEngine(this.handle);
    this.handle = null;
  }
}

/**
 * Opens an engine file (ours, Ultralytics' or a raw plan) on TensorRT. The header is checked
 * against the running TensorRT version and GPU before deserialization.
 * @throws ERR_FILE_NOT_FOUND, ERR_MODEL_FORMAT, ERR_BACKEND_UNAVAILABLE (naming what is missing), ERR_ENGINE_MISMATCH
 * @example const { backend, metadata } = await openTensorRtEngine('yolo.engine');
 */
export async function openTensorRtEngine(path: string, options: TensorRtBackendOptions = {}): Promise<{ backend: TensorRtBackend; metadata: Record<string, string> }> {
  const backend = await TensorRtBackend.open(path, options);
  return { backend, metadata: engineMetadataRecord(backend.header) };
}

/** The backend alone. @example const backend = await loadTensorRtBackend('yolo.engine'); */
export async function loadTensorRtBackend(path: string, options: TensorRtBackendOptions = {}): Promise<TensorRtBackend> {
  return TensorRtBackend.open(path, options);
}
