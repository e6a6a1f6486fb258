// Every answer tensorRtAvailability() can give, from injected addon states: what a machine
// without a GPU, with one, or with an old driver reports, whatever machine runs the test.
import { describe, expect, it } from 'vitest';
import type { NativeBinding } from '../binding.js';
import type { TensorRtProbe } from '../binding-tensorrt.js';
import { tensorRtAvailability } from '../lib/backends/tensorrt.js';
import type { AddonStatus } from '../lib/native/addon.js';

const PROBE: TensorRtProbe = {
  compiled: true,
  usable: true,
  found: true,
  headerVersion: '10.3.0',
  acceptedMajors: [10],
  searchedPaths: ['/opt/tensorrt/lib/libnvinfer.so.10'],
  library: '/opt/tensorrt/lib/libnvinfer.so.10',
  version: '10.3.0',
  build: 26,
  buildable: true,
  gpuPreprocessing: false,
};
const GPU = { name: 'NVIDIA A10', computeCapability: '8.6' };

function addon(probe: Partial<TensorRtProbe> | null, cuda?: Record<string, unknown>): AddonStatus {
  const tensorrt = probe === null ? undefined : { probe: () => ({ ...PROBE, ...probe }) };
  const binding = { tensorrt, capabilities: () => ({ cuda: cuda ?? { compiled: false, devices: [] } }) } as unknown as NativeBinding;
  return { binding, source: 'build', path: '/x/yoloe_trt.node' };
}

describe('tensorRtAvailability', () => {
  it('no addon: says why it did not load', () => {
    const status = tensorRtAvailability(0, { binding: null, error: 'native addon not loaded: ELF class mismatch' });
    expect(status).toMatchObject({ usable: false, reason: 'the native addon is not loaded (native addon not loaded: ELF class mismatch)' });
  });

  it('an addon without the TensorRT binding', () => {
    expect(tensorRtAvailability(0, addon(null)).reason).toBe('the native addon has no TensorRT binding');
  });

  it('built without headers, with and without a library installed', () => {
    expect(tensorRtAvailability(0, addon({ compiled: false, found: false })).reason).toBe('the addon was built without TensorRT headers');
    expect(tensorRtAvailability(0, addon({ compiled: false, found: true })).reason).toBe(
      'the addon was built without TensorRT headers (libnvinfer 10.3.0 is installed at /opt/tensorrt/lib/libnvinfer.so.10)',
    );
  });

  it('libnvinfer not found at run time: the loader message and the fix', () => {
    const status = tensorRtAvailability(0, addon({ found: false, usable: false, error: 'TensorRT library libnvinfer (major 10) not found.' }));
    expect(status.reason).toBe('libnvinfer was not found at run time: TensorRT library libnvinfer (major 10) not found.');
    expect(status.fix).toBe('install TensorRT 10 (JetPack on Jetson) or set TENSORRT_LIB_DIR to the folder holding libnvinfer');
  });

  it('a driver too old for the build is named as such, not as "no CUDA GPU"', () => {
    const cuda = { compiled: true, driverVersion: null, devices: [], error: 'cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (driver too old)' };
    const status = tensorRtAvailability(0, addon({}, cuda));
    expect(status.usable).toBe(false);
    expect(status.reason).toBe('the NVIDIA driver is too old for this build (cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (driver too old))');
  });

  it('no driver, no GPU, no such device', () => {
    expect(tensorRtAvailability(0, addon({}, { compiled: true, driverVersion: null, devices: [] })).reason).toBe('no NVIDIA driver is installed');
    expect(tensorRtAvailability(0, addon({}, { compiled: true, driverVersion: 12060, devices: [], error: 'cuDeviceGetCount: 0' })).reason).toBe(
      'no CUDA GPU was found (cuDeviceGetCount: 0)',
    );
    expect(tensorRtAvailability(2, addon({}, { compiled: true, driverVersion: 12060, devices: [GPU] })).reason).toBe('CUDA device 2 does not exist (1 device(s))');
  });

  it('usable: the runtime identity engines are checked against, build number included', () => {
    const status = tensorRtAvailability(0, addon({}, { compiled: true, driverVersion: 12060, devices: [GPU] }));
    expect(status.usable).toBe(true);
    expect(status.runtime).toEqual({ tensorrtVersion: '10.3.0', tensorrtBuild: 26, gpu: GPU });
  });

  it('YOLOE_TRT_DISABLE_TENSORRT=1 turns it off', () => {
    process.env.YOLOE_TRT_DISABLE_TENSORRT = '1';
    try {
      expect(tensorRtAvailability(0, addon({})).reason).toBe('TensorRT is disabled by YOLOE_TRT_DISABLE_TENSORRT=1');
    } finally {
      delete process.env.YOLOE_TRT_DISABLE_TENSORRT;
    }
  });
});
