import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { main } from '../lib/cli/main.js';
import * as api from '../lib/index.js';

async function run(args: string[]) {
  let out = '';
  const stream = new Writable({ write(c, _e, cb) { out += String(c); cb(); } });
  const code = await main(args, stream, stream);
  return { code, out };
}

describe('yoloe-trt doctor (on this machine: no GPU, no TensorRT)', () => {
  it('--json reports the CPU backend usable and TensorRT unusable with a reason and a fix', async () => {
    const { code, out } = await run(['doctor', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.backends.cpu.usable).toBe(true);
    expect(report.backends.cpu.onnxruntimeVersion).toMatch(/^\d+\.\d+/);
    expect(report.addon.loaded).toBe(true); // CI builds the addon
    expect(report.backends.tensorrt.usable).toBe(false);
    expect(report.backends.tensorrt.reason).toEqual(expect.any(String));
    expect(report.backends.tensorrt.fix).toEqual(expect.any(String));
    expect(report.cuda.driverVersion).toBeNull();
  });

  it('prints a readable report', async () => {
    const { code, out } = await run(['doctor']);
    expect(code).toBe(0);
    expect(out).toMatch(/native addon\s+loaded/);
    expect(out).toMatch(/yes cpu/);
    expect(out).toMatch(/no\s+tensorrt/);
    expect(out).toContain('fix:');
  });

  it('is what capabilities() returns through the public API', async () => {
    const report = await api.capabilities();
    expect(report.backends.cpu.usable).toBe(true);
    expect(api.tensorRtAvailability().usable).toBe(false);
  });
});

describe('public API surface', () => {
  it('exports the documented entry points', () => {
    for (const name of ['loadModel', 'buildEngine', 'quantize', 'prepareCalibrationSet', 'evaluateCoco', 'capabilities', 'readEngineHeader', 'maskToRle', 'maskToPolygons', 'YoloeTrtError']) {
      expect(typeof (api as Record<string, unknown>)[name], name).toBe('function');
    }
  });

  it('buildEngine fails with a typed error naming what is missing', async () => {
    const err = await api.buildEngine({ onnx: __filename, output: '/tmp/x.engine' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(api.YoloeTrtError);
    expect((err as api.YoloeTrtError).code).toMatch(/ERR_BACKEND_UNAVAILABLE|ERR_MODEL_FORMAT/);
  });
});
