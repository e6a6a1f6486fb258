import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { NativeBinding, NativeCapabilities } from '../binding.js';
import { capabilitiesOf, type CapabilityReport } from '../lib/capabilities.js';
import { formatReport } from '../lib/cli/doctor.js';
import { main } from '../lib/cli/main.js';
import * as api from '../lib/index.js';

async function run(args: string[]) {
  let out = '';
  const stream = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const code = await main(args, stream, stream);
  return { code, out };
}

const GPU = { index: 0, name: 'NVIDIA Jetson AGX Orin', computeCapability: '8.7', memoryBytes: 32 * 2 ** 30, integrated: true };

/** A stand-in addon: what capabilities() and tensorrt.probe() answer on the machine being imitated. */
function fakeAddon(cuda: Partial<NativeCapabilities['cuda']> | 'throws', tensorrt?: Record<string, unknown> | 'throws') {
  const binding = {
    capabilities: () => {
      if (cuda === 'throws') throw new Error('driver call failed');
      return { addon: { version: '0.1.0', napi: 8 }, cuda: { compiled: true, state: 'ok', runtimeVersion: 12060, driverVersion: 12080, devices: [GPU], nvrtc: JETSON_NVRTC, ...cuda } };
    },
    ...(tensorrt === undefined ? {} : {
      tensorrt: {
        probe: () => {
          if (tensorrt === 'throws') throw new Error('dlopen crashed');
          return tensorrt;
        },
      },
    }),
  } as unknown as NativeBinding;
  return { binding, source: 'build' as const, path: '/x/build/Release/yoloe_trt.node' };
}
/** JetPack 6's NVRTC, compiling the kernels for the Orin's sm_87. */
const JETSON_NVRTC = { found: true, version: '12.6', library: '/usr/local/cuda/lib64/libnvrtc.so.12', deviceTargets: [{ target: 'sm_87' }], cacheDir: '/home/u/.cache/yoloe-trt/kernels' };
const TRT_OK = { compiled: true, found: true, version: '10.3.0', library: '/usr/lib/aarch64-linux-gnu/libnvinfer.so.10' };

describe('capability report: every branch, on any machine (stand-in addon)', () => {
  it('a Jetson with CUDA and TensorRT: TensorRT usable, device and versions reported', async () => {
    const r = await capabilitiesOf(fakeAddon({}, TRT_OK));
    expect(r.addon).toEqual({ loaded: true, source: 'local build', path: '/x/build/Release/yoloe_trt.node', version: '0.1.0', napi: 8 });
    expect(r.cuda).toMatchObject({ compiled: true, state: 'ok', runtimeVersion: '12.6', driverVersion: '12.8', devices: [GPU] });
    expect(r.tensorrt).toMatchObject({ compiled: true, found: true, version: '10.3.0', library: TRT_OK.library });
    expect(r.backends.tensorrt).toEqual({ usable: true });
    const text = formatReport(r);
    expect(text).toContain('CUDA           ok, driver 12.8');
    expect(text).toContain('  device       NVIDIA Jetson AGX Orin, compute 8.7, 32.0 GiB, integrated, kernels for sm_87');
    expect(text).toContain('NVRTC          12.6 (/usr/local/cuda/lib64/libnvrtc.so.12)');
    expect(text).toContain(`TensorRT       found 10.3.0 (${TRT_OK.library})`);
    expect(text).toMatch(/yes tensorrt/);
    expect(text).not.toContain('fix:');
  });

  const unusable: [string, Parameters<typeof capabilitiesOf>[0], RegExp, RegExp][] = [
    ['no addon', { binding: null, error: 'native addon not loaded: no build' }, /native addon is not loaded \(native addon not loaded: no build\)/, /npm rebuild yoloe-trt/],
    ['addon without CUDA', fakeAddon({ compiled: false, runtimeVersion: null, driverVersion: null, devices: [] }, TRT_OK), /built with -DYOLOE_WITH_CUDA=OFF/, /rebuild without it/],
    ['no NVIDIA driver', fakeAddon({ driverVersion: null, devices: [], error: 'libcuda.so.1 not found' }, TRT_OK), /no NVIDIA driver found \(libcuda\.so\.1 not found\)/, /install the NVIDIA driver/],
    ['driver but no device', fakeAddon({ devices: [] }, TRT_OK), /no CUDA device visible/, /CUDA_VISIBLE_DEVICES/],
    ['no TensorRT binding', fakeAddon({}), /not compiled into this addon/, /TensorRT development headers/],
    ['built without TensorRT headers', fakeAddon({}, { compiled: false, found: true, version: '10.3.0' }), /not compiled into this addon/, /TensorRT development headers/],
    ['libnvinfer missing at run time', fakeAddon({}, { compiled: true, found: false, error: 'libnvinfer.so.10: cannot open shared object file' }), /libnvinfer not found at run time \(libnvinfer\.so\.10: cannot open/, /TENSORRT_LIB_DIR/],
    ['TensorRT probe throws', fakeAddon({}, 'throws'), /libnvinfer not found at run time \(TensorRT probe failed: dlopen crashed\)/, /install TensorRT/],
  ];
  it.each(unusable)('%s: TensorRT unusable, with the reason and the fix', async (_name, status, reason, fix) => {
    const r = await capabilitiesOf(status);
    expect(r.backends.tensorrt.usable).toBe(false);
    expect(r.backends.tensorrt.reason).toMatch(reason);
    expect(r.backends.tensorrt.fix).toMatch(fix);
    expect(r.backends.cpu.usable).toBe(true); // the CPU backend never depends on the addon
    const text = formatReport(r);
    expect(text).toMatch(/no\s+tensorrt/);
    expect(text).toContain(`fix: ${r.backends.tensorrt.fix}`);
  });

  it('capabilities() throwing is reported in cuda.error, not thrown', async () => {
    const r = await capabilitiesOf(fakeAddon('throws', TRT_OK));
    expect(r.cuda).toMatchObject({ compiled: false, driverVersion: null, error: 'capabilities() failed: driver call failed' });
    expect(r.backends.tensorrt).toMatchObject({ usable: false, reason: expect.stringMatching(/could not report its CUDA state \(capabilities\(\) failed: driver call failed\)/) });
    expect(formatReport(r)).toContain('CUDA           not compiled in — capabilities() failed: driver call failed');
  });

  it('no addon: the report says why and how to fix it', async () => {
    const r = await capabilitiesOf({ binding: null, error: 'native addon not loaded: no build' });
    expect(r.addon).toMatchObject({ loaded: false, reason: 'native addon not loaded: no build' });
    expect(formatReport(r)).toMatch(/^native addon   not loaded: native addon not loaded: no build\n {15}fix: no prebuilt binary/);
  });
});

describe('yoloe-trt doctor', () => {
  it('--json prints capabilities() as it is on this machine', async () => {
    const { code, out } = await run(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out) as CapabilityReport;
    expect(report).toEqual(JSON.parse(JSON.stringify(await api.capabilities())));
    expect(report.backends.cpu.usable).toBe(true);
    expect(report.backends.cpu.onnxruntimeVersion).toMatch(/^\d+\.\d+/);
    expect(report.addon.loaded).toBe(true); // CI builds the addon
  });

  it('prints formatReport of the same report', async () => {
    const { code, out } = await run(['doctor']);
    expect(code).toBe(0);
    expect(out).toBe(formatReport(await api.capabilities()));
  });

  it('agrees with the TensorRT backend on whether TensorRT is usable here', async () => {
    const report = await api.capabilities();
    expect(api.tensorRtAvailability().usable).toBe(report.backends.tensorrt.usable);
  });
});

describe('public API surface', () => {
  it('exports the documented entry points', () => {
    for (const name of ['loadModel', 'buildEngine', 'quantize', 'prepareCalibrationSet', 'evaluateCoco', 'capabilities', 'readEngineHeader', 'maskToRle', 'maskToPolygons', 'YoloeTrtError']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('buildEngine reads the ONNX before it needs TensorRT: a missing or non-ONNX file is named, on any machine', async () => {
    const missing = await api.buildEngine({ onnx: '/nonexistent/m.onnx', output: '/tmp/x.engine' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(api.YoloeTrtError);
    expect(missing).toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: expect.stringContaining('/nonexistent/m.onnx') });
    const notOnnx = await api.buildEngine({ onnx: __filename, output: '/tmp/x.engine' }).catch((e: unknown) => e);
    expect(notOnnx).toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });
});
