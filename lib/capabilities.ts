import { createRequire } from 'node:module';
import type { NativeCapabilities, NativeCudaDevice, NativeCudaState } from '../binding.js';
import { loadAddon, type AddonStatus } from './native/addon.js';

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
    /** 'ok', 'no-driver', 'driver-too-old', 'no-device', 'error', 'not-compiled' (or 'no-addon') */
    state: NativeCudaState | 'no-addon';
    /** always null: no CUDA runtime is linked, the driver API is loaded at run time */
    runtimeVersion: string | null;
    /** null when no NVIDIA driver is installed */
    driverVersion: string | null;
    devices: NativeCudaDevice[];
    error?: string;
    /** NVRTC compiles the GPU kernels on the device; without it GPU stages use the CPU kernels */
    nvrtc: NvrtcStatus;
  };
  tensorrt: {
    compiled: boolean;
    found: boolean;
    version?: string;
    library?: string;
    error?: string;
    /** what to do about `error` (doctor prints it under the TensorRT line) */
    fix?: string;
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

export interface NvrtcStatus {
  found: boolean;
  /** "12.6" */
  version?: string;
  library?: string;
  /** per device: the architecture the kernels are compiled for (sm_87), or why they cannot be */
  deviceTargets: Array<{ target?: string; error?: string }>;
  /** where compiled kernels are cached (YOLOE_TRT_KERNEL_CACHE), null when off */
  cacheDir: string | null;
  error?: string;
  fix?: string;
}

const NVRTC_FIX =
  'GPU pre/postprocessing falls back to the CPU kernels. Install NVRTC: on Jetson it comes with JetPack\'s CUDA toolkit ' +
  '(nvidia-jetpack / cuda-nvrtc-12-6); on servers the CUDA toolkit or `pip install nvidia-cuda-nvrtc` (set YOLOE_TRT_NVRTC to its lib folder)';

function nvrtcStatus(native: NativeCapabilities['cuda']['nvrtc'] | undefined): NvrtcStatus {
  if (!native) return { found: false, deviceTargets: [], cacheDir: null, error: 'not reported by this addon', fix: NVRTC_FIX };
  const out: NvrtcStatus = { found: native.found, deviceTargets: native.deviceTargets, cacheDir: native.cacheDir };
  if (native.version) out.version = native.version;
  if (native.library) out.library = native.library;
  if (native.error) out.error = native.error;
  if (!native.found || native.deviceTargets.some((t) => t.error)) out.fix = NVRTC_FIX;
  return out;
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

/** The fix for an addon built without the TensorRT headers: installing TensorRT alone changes nothing. */
const REBUILD_WITH_TENSORRT_HEADERS =
  'install the TensorRT development headers (libnvinfer-dev, libnvonnxparsers-dev; or set TENSORRT_INCLUDE_DIR) and rebuild the addon: npm rebuild yoloe-trt';

function tensorRtProbe(binding: ReturnType<typeof loadAddon>['binding']): CapabilityReport['tensorrt'] {
  if (!binding) return { compiled: false, found: false, error: 'unknown: the native addon is not loaded' };
  const probeFn = (binding.tensorrt as { probe?: () => unknown } | undefined)?.probe;
  if (typeof probeFn !== 'function') {
    return { compiled: false, found: false, error: 'TensorRT support not compiled into this addon (no TensorRT headers at build time)', fix: REBUILD_WITH_TENSORRT_HEADERS };
  }
  try {
    const p = (probeFn.call(binding?.tensorrt) ?? {}) as Record<string, unknown>;
    const out: CapabilityReport['tensorrt'] = { compiled: p.compiled === true, found: p.found === true, probe: p };
    if (typeof p.version === 'string') out.version = p.version;
    if (typeof p.library === 'string') out.library = p.library;
    if (!out.compiled) {
      // the library search ran too, but its "install TensorRT" would not help: the addon lacks the backend
      out.error = `TensorRT support not compiled into this addon (${typeof p.reason === 'string' ? p.reason : 'no TensorRT headers at build time'})`;
      out.fix = REBUILD_WITH_TENSORRT_HEADERS;
      return out;
    }
    if (typeof p.buildable === 'boolean') out.buildable = p.buildable;
    if (typeof p.buildError === 'string') out.buildError = p.buildError;
    const error = typeof p.error === 'string' ? p.error : typeof p.reason === 'string' ? p.reason : undefined;
    if (error) out.error = error;
    if (!out.found) out.fix = LIBNVINFER_FIX;
    return out;
  } catch (err) {
    return { compiled: true, found: false, error: `TensorRT probe failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}

const LIBNVINFER_FIX = 'install TensorRT 10 or 11 (libnvinfer10, libnvonnxparsers10; JetPack on Jetson) or set TENSORRT_LIB_DIR to the folder holding libnvinfer.so.<major>';

function tensorRtBackend(report: Omit<CapabilityReport, 'backends'>): BackendStatus {
  const { addon, cuda, tensorrt } = report;
  if (!addon.loaded) {
    return { usable: false, reason: `the native addon is not loaded (${addon.reason})`, fix: addon.fix };
  }
  if (!cuda.compiled) {
    // compiled stays false when the addon's capabilities() itself failed: say that, not a build flag
    if (cuda.error?.startsWith('capabilities() failed')) return { usable: false, reason: `the addon could not report its CUDA state (${cuda.error})`, fix: 'reinstall or rebuild the addon: npm rebuild yoloe-trt' };
    return { usable: false, reason: 'the addon was built with -DYOLOE_WITH_CUDA=OFF', fix: 'rebuild without it: npx cmake-js rebuild' };
  }
  if (cuda.state === 'driver-too-old') {
    return { usable: false, reason: cuda.error ?? 'NVIDIA driver too old for this build', fix: 'update the NVIDIA driver (r470 or newer; TensorRT 10 needs r525+)' };
  }
  // what needs a rebuild comes before what the machine lacks at run time: a driver alone would not help
  if (!tensorrt.compiled) {
    return { usable: false, reason: tensorrt.error ?? 'TensorRT support not compiled into this addon', fix: tensorrt.fix ?? REBUILD_WITH_TENSORRT_HEADERS };
  }
  if (cuda.driverVersion === null) {
    return { usable: false, reason: `no NVIDIA driver found${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'install the NVIDIA driver (on Jetson: JetPack 6)' };
  }
  if (cuda.devices.length === 0) {
    return { usable: false, reason: `no CUDA device visible${cuda.error ? ` (${cuda.error})` : ''}`, fix: 'check the GPU, CUDA_VISIBLE_DEVICES, and container GPU access (--gpus all)' };
  }
  if (!tensorrt.found) {
    return { usable: false, reason: `libnvinfer not found at run time${tensorrt.error ? ` (${tensorrt.error})` : ''}`, fix: LIBNVINFER_FIX };
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
  return capabilitiesOf(loadAddon());
}

/**
 * The capability report for one addon load result: capabilities() passes loadAddon()'s; a test
 * passes a stand-in binding to reach every branch (a GPU, no driver, no TensorRT...) on any machine.
 */
export async function capabilitiesOf(status: AddonStatus): Promise<CapabilityReport> {
  const binding = status.binding;
  let addon: CapabilityReport['addon'];
  let cuda: CapabilityReport['cuda'] = {
    compiled: false,
    state: 'no-addon',
    runtimeVersion: null,
    driverVersion: null,
    devices: [],
    error: 'the native addon is not loaded',
    nvrtc: nvrtcStatus(undefined),
  };
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
        state: native.cuda.state,
        runtimeVersion: cudaVersion(native.cuda.runtimeVersion),
        driverVersion: cudaVersion(native.cuda.driverVersion),
        devices: native.cuda.devices,
        nvrtc: nvrtcStatus(native.cuda.nvrtc),
      };
      if (native.cuda.error) cuda.error = native.cuda.error;
    }
  }
  const base = { addon, cuda, tensorrt: tensorRtProbe(binding) };
  return { ...base, backends: { cpu: await onnxRuntimeStatus(), tensorrt: tensorRtBackend(base) } };
}
