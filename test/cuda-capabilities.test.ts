import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { capabilities } from '../lib/capabilities.js';
import { main } from '../lib/cli/main.js';

// The CUDA part of the capability report on this machine: no NVIDIA driver, and NVRTC found
// exactly when YOLOE_TRT_NVRTC names one (CI unpacks NVIDIA's wheel: scripts/fetch-nvrtc.sh).
const nvrtcDir = process.env.YOLOE_TRT_NVRTC;

async function doctorText(): Promise<string> {
  let out = '';
  const stream = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  await main(['doctor'], stream, stream);
  return out;
}

describe('CUDA capabilities without a driver', () => {
  it('the addon links no CUDA, NVRTC or TensorRT library (all are loaded at run time)', async () => {
    const r = await capabilities();
    expect(r.addon.loaded).toBe(true);
    const dynamic = execFileSync('readelf', ['-d', r.addon.path as string], { encoding: 'utf8' });
    const needed = dynamic.split('\n').filter((l) => l.includes('(NEEDED)'));
    expect(needed.length).toBeGreaterThan(0);
    expect(needed.filter((l) => /lib(cuda|cudart|nvrtc|nvinfer|nvonnxparser)/.test(l))).toEqual([]);
  });

  it('reports no driver as its own state, with the loader error, and no runtime linked', async () => {
    const r = await capabilities();
    expect(r.cuda.compiled).toBe(true);
    expect(r.cuda.state).toBe('no-driver');
    expect(r.cuda.driverVersion).toBeNull();
    expect(r.cuda.runtimeVersion).toBeNull();
    expect(r.cuda.devices).toEqual([]);
    expect(r.cuda.error).toMatch(/libcuda\.so\.1/);
    expect(r.backends.tensorrt.usable).toBe(false);
    // an addon with the TensorRT backend names the missing driver; one without it asks for a rebuild first
    expect(r.backends.tensorrt.reason).toMatch(r.tensorrt.compiled ? /no NVIDIA driver found/ : /not compiled into this addon/);
  });

  it('reports NVRTC: found through YOLOE_TRT_NVRTC when set, else what to install for Jetson and for servers', async () => {
    const n = (await capabilities()).cuda.nvrtc;
    const text = await doctorText();
    if (nvrtcDir) {
      expect(n.found).toBe(true);
      expect(n.version).toMatch(/^1[1-9]\.\d+$/);
      expect(n.library).toMatch(/libnvrtc\.so\.1\d$/);
      expect(n.library?.startsWith(nvrtcDir)).toBe(true);
      expect(n.fix).toBeUndefined();
      expect(text).toMatch(new RegExp(`NVRTC\\s+${n.version?.replace('.', '\\.')} \\(`));
    } else {
      expect(n.found).toBe(false);
      expect(n.error).toMatch(/libnvrtc\.so\.13/);
      expect(n.fix).toMatch(/JetPack/);
      expect(n.fix).toMatch(/nvidia-cuda-nvrtc/);
      expect(text).toMatch(/NVRTC\s+not found/);
    }
  });
});

// The addon in a child process whose loader finds a stand-in libcuda.so.1 (native/tests/
// fake_libcuda.cpp, built with the C++ tests: build/tests): the real loader, version check and
// device query, as on a machine with a driver and no NVRTC.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fakeDriver = join(root, 'build', 'tests', 'native', 'tests', 'fakecuda');

function nativeCudaReport(env: Record<string, string>): Record<string, unknown> {
  if (!existsSync(join(fakeDriver, 'libcuda.so.1'))) {
    throw new Error(`${fakeDriver}/libcuda.so.1 is missing: build the C++ tests first (npm run test:native)`);
  }
  const script = "const b = require(require('node-gyp-build').resolve(process.cwd())); console.log(JSON.stringify(b.capabilities().cuda))";
  const childEnv = { ...process.env, LD_LIBRARY_PATH: fakeDriver, ...env };
  delete childEnv.YOLOE_TRT_NVRTC;
  if (env.YOLOE_TRT_NVRTC) childEnv.YOLOE_TRT_NVRTC = env.YOLOE_TRT_NVRTC;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: root, env: childEnv, encoding: 'utf8' }));
}

describe('CUDA capabilities with a driver (stand-in libcuda.so.1)', () => {
  it('a current driver: state ok, the device as the driver describes it, no NVRTC and why', () => {
    const cuda = nativeCudaReport({ YOLOE_TRT_NVRTC: '/nonexistent/libnvrtc.so.12' }) as {
      state: string;
      driverVersion: number;
      devices: Array<Record<string, unknown>>;
      nvrtc: { found: boolean; error: string; deviceTargets: Array<{ error?: string }> };
    };
    expect(cuda.state).toBe('ok');
    expect(cuda.driverVersion).toBe(12060);
    expect(cuda.devices).toEqual([{ name: 'Fake Jetson Orin', computeCapability: '8.7', memoryBytes: 16 * 2 ** 30, integrated: true }]);
    expect(cuda.nvrtc.found).toBe(false);
    expect(cuda.nvrtc.error).toContain('/nonexistent/libnvrtc.so.12');
    expect(cuda.nvrtc.deviceTargets).toEqual([{ error: 'no NVRTC' }]);
  });

  it('a driver older than CUDA 11.4: "driver too old for this build (needs >= ...)", never "no GPU"', () => {
    const cuda = nativeCudaReport({ YOLOE_FAKE_DRIVER: '11030' }) as { state: string; driverVersion: number; error: string; devices: unknown[] };
    expect(cuda.state).toBe('driver-too-old');
    expect(cuda.driverVersion).toBe(11030);
    expect(cuda.devices).toEqual([]);
    expect(cuda.error).toBe('NVIDIA driver too old for this build (needs >= CUDA 11.4, r470; this driver supports CUDA 11.3)');
  });

  // needs YOLOE_TRT_NVRTC (CI sets it: scripts/fetch-nvrtc.sh); reported as skipped without it
  it.skipIf(!nvrtcDir)('with NVRTC: the kernels target the device architecture', () => {
    const cuda = nativeCudaReport({ YOLOE_TRT_NVRTC: nvrtcDir }) as { nvrtc: { found: boolean; deviceTargets: unknown[] } };
    expect(cuda.nvrtc.found).toBe(true);
    expect(cuda.nvrtc.deviceTargets).toEqual([{ target: 'sm_87' }]);
  });
});
