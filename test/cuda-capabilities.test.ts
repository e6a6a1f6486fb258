import { Writable } from 'node:stream';
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
  it('reports no driver as its own state, with the loader error, and no runtime linked', async () => {
    const r = await capabilities();
    expect(r.cuda.compiled).toBe(true);
    expect(r.cuda.state).toBe('no-driver');
    expect(r.cuda.driverVersion).toBeNull();
    expect(r.cuda.runtimeVersion).toBeNull();
    expect(r.cuda.devices).toEqual([]);
    expect(r.cuda.error).toMatch(/libcuda\.so\.1/);
    expect(r.backends.tensorrt.usable).toBe(false);
    expect(r.backends.tensorrt.reason).toMatch(/driver/);
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
