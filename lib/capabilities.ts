import { createRequire } from 'node:module';
import type { NativeCudaDevice } from '../binding.js';
import { loadAddon } from './native/addon.js';

/**
 * What this machine and this install can run: the native addon, CUDA, TensorRT, and which
 * backends are usable. For every unusable piece, `reason` says why and `fix` what to install.
 * The CLI `yoloe-trt doctor` prints it.
 */
export interface CapabilityReport {
  addon: {
    loaded: boolean;
    version?: string;
    napi?: number;
    source?: 'prebuild' | 'local build';
    path?: string;
    reason?: string;
    fix?: string;
  };
  cuda: {
    compiled: boolean;
    /** "13.0" */
    runtimeVersion: string | null;
    /** null when no NVIDIA driver is installed */
    driverVersion: string | null;
    devices: NativeCudaDevice[];
    error?: string;
  };
  tensorrt: {
    compiled: boolean;
    found: boolean;
    version?: string;
    library?: string;
    error?: string;
    /** false when engines run but cannot be built here (the builder resource library is missing) */
    buildable?: boolean;
    buildError?: string;
    /** the binding's own probe() answer, as is */
    probe?: Record<string, unknown>;
  };
  backends: {
    cpu: BackendStatus & { onnxruntimeVersion?: string };
    tensorrt: BackendStatus;
  };
}

export interface BackendStatus {
  usable: boolean;
  reason?: string;
  fix?: string;
}

/** CUDA's integer versions (12060) as "12.6". */
function cudaVersion(v: number | null | undefined): string | null {
  if (typeof v !== 'number' || v <= 0) return null;
  return `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
}

async function onnxRuntimeStatus(): Promise<BackendStatus & { onnxruntimeVersion?: string }> {
  const require = createRequire(import.meta.url);
  let version: string | undefined;
  try {
    version = (require('onnxruntime-node/package.json') as { version: string }).version;
  } catch {
    return {
      usable: false,
      reason: 'onnxruntime-node is not installed (it is an optional peer dependency)',
      fix: 'npm install onnxruntime-node',
    };
  }
  try {
    await import('onnxruntime-node');
    return { usable: true, onnxruntimeVersion: version };
  } catch (err) {
    return {
      usable: false,
      onnxruntimeVersion: version,
      reason: `onnxruntime-node ${version} failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      fix: 'reinstall onnxruntime-node for this platform (npm rebuild onnxruntime-node)',
    };
  }
}

function tensorRtProbe(binding: ReturnType<typeof loadAddon>['binding']): CapabilityReport['tensorrt'] {
  const probeFn = (binding?.tensorrt as { probe?: () => unknown } | undefined)?.probe;
  if (typeof probeFn !== 'function') {
    return { compiled: false, found: false, error: 'TensorRT support not compiled into this addon (no TensorRT headers at build time)' };
  }
  try {
    const p = (probeFn.call(binding?.tensorrt) ?? {}) as Record<string, unknown>;
    const out: CapabilityReport['tensorrt'] = { compiled: p.compiled === true, found: p.found === true, probe: p };
    if (typeof p.version === 'string') out.version = p.version;
    if (typeof p.library === 'string') out.library = p.library;
    if (typeof p.buildable === 'boolean') out.buildable = p.buildable;
    if (typeof p.buildError === 'string') out.buildError = p.buildError;
    const error = typeof p.error === 'string' ? p.error : typeof p.reason === 'string' ? p.reason : undefined;
    if (error) out.error = error;
    return out;
  } catch (err) {
    return { compiled: true, found: false, error: `TensorRT probe failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

function tensorRtBackend(report: Omit<CapabilityReport, 'backends'>): BackendStatus {
  const { addon, cuda, tensorrt } = report;
  if (!addon.loaded) {
    return { usable: false, reason: `the native addon is not loaded (${addon.reason})`, fix: addon.fix };
  }
  if (!cuda.compiled) {
    return { usable: false, reason: 'the addon was built without CUDA (no nvcc at build time)', fix: 'install the CUDA toolkit and rebuild: npx cmake-js rebuild' };
  }
  if (cuda.driverVersion === null) {
    return { usable: false, reason: `no NVIDIA driver found${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'install the NVIDIA driver (on Jetson: JetPack 6)' };
  }
  if (cuda.devices.length === 0) {
    return { usable: false, reason: `no CUDA device visible${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'check the GPU, CUDA_VISIBLE_DEVICES, and container GPU access (--gpus all)' };
  }
  if (!tensorrt.compiled) {
    return {
      usable: false,
      reason: tensorrt.error ?? 'TensorRT support not compiled into this addon',
      fix: 'install the TensorRT development headers (libnvinfer-dev, libnvonnxparsers-dev) and rebuild: npx cmake-js rebuild',
    };
  }
  if (!tensorrt.found) {
    return {
      usable: false,
      reason: `libnvinfer not found at run time${tensorrt.error ? ` (${tensorrt.error})` : ''}`,
      fix: 'install TensorRT 10 (libnvinfer10, libnvonnxparsers10) or add its lib folder to LD_LIBRARY_PATH',
    };
  }
  return { usable: true };
}

/**
 * The capability report; never throws (every failure is described in the report).
 * @example
 * const report = await capabilities();
 * if (!report.backends.tensorrt.usable) console.log(report.backends.tensorrt.reason, report.backends.tensorrt.fix);
 */
export async function capabilities(): Promise<CapabilityReport> {
  const status = loadAddon();
  const binding = status.binding;
  let addon: CapabilityReport['addon'];
  let cuda: CapabilityReport['cuda'] = { compiled: false, runtimeVersion: null, driverVersion: null, devices: [], error: 'the native addon is not loaded' };
  if (!binding) {
    addon = {
      loaded: false,
      reason: status.error ?? 'native addon not loaded',
      fix: 'no prebuilt binary matches this platform: install cmake, a C++17 compiler and node-addon-api + cmake-js, then run npm rebuild yoloe-trt (the CPU backend works without the addon)',
    };
  } else {
    let native: ReturnType<typeof binding.capabilities> | undefined;
    try {
      native = binding.capabilities();
    } catch (err) {
      cuda = { ...cuda, error: `capabilities() failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    addon = { loaded: true, source: status.source === 'prebuild' ? 'prebuild' : 'local build', path: status.path };
    if (native) {
      addon.version = native.addon.version;
      addon.napi = native.addon.napi;
      cuda = {
        compiled: native.cuda.compiled,
        runtimeVersion: cudaVersion(native.cuda.runtimeVersion),
        driverVersion: cudaVersion(native.cuda.driverVersion),
        devices: native.cuda.devices,
      };
      if (native.cuda.error) cuda.error = native.cuda.error;
    }
  }
  const base = { addon, cuda, tensorrt: tensorRtProbe(binding) };
  return { ...base, backends: { cpu: await onnxRuntimeStatus(), tensorrt: tensorRtBackend(base) } };
}
