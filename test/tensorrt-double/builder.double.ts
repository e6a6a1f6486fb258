// buildEngine -> engine file -> loadModel against the TensorRT contract double. The fake parser
// reads the network from "<model>.fakenet" next to the ONNX (the ONNX itself is the real fixture,
// read by lib/ for its metadata).
import { readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildEngine } from '../../lib/build-engine.js';
import { loadTensorRtBackend } from '../../lib/backends/tensorrt.js';
import { readEngineHeader, writeEngineFile, type EngineMetadata } from '../../lib/backends/engine-file.js';
import { loadModel } from '../../lib/model.js';
import { convertToFp16, loadOnnxFile, writeOnnx } from '../../lib/onnx/index.js';
import { IMAGES, MODELS } from '../fixtures.js';
import { clearLog, fail, log, tensorLines, violations, work } from './double.js';

const STATIC_NET = tensorLines([
  { name: 'images', io: 'input', dims: [1, 3, 640, 640] },
  { name: 'output0', io: 'output', dims: [1, 84, 8400] },
]);
const DYNAMIC_NET = tensorLines([
  { name: 'images', io: 'input', dims: [-1, 3, 640, 640] },
  { name: 'output0', io: 'output', dims: [-1, 84, 8400] },
]);

let models = 0;
/** The real yolov8n ONNX under a new name, with the fake network next to it. */
function onnx(net: string, fp16 = false): string {
  const path = join(work, `model-${models++}.onnx`);
  if (fp16) writeFileSync(path, writeOnnx(convertToFp16(loadOnnxFile(MODELS.det640()), { keepIoTypes: true })));
  else symlinkSync(MODELS.det640(), path);
  writeFileSync(`${path}.fakenet`, net);
  return path;
}
const planFlags = (engine: string): string => /flags([^\n]*)\n/.exec(readFileSync(engine, 'latin1'))?.[1]?.trim() ?? '';

beforeEach(() => {
  clearLog();
  fail('');
  delete process.env.YOLOE_FAKE_STEP_MS;
  delete process.env.YOLOE_FAKE_DLA;
});

describe('buildEngine on the double', () => {
  it('builds an fp16 engine whose metadata and plan say what was built, and loadModel runs it', async () => {
    const output = join(work, 'fp16.engine');
    const result = await buildEngine({ onnx: onnx(STATIC_NET), output, precision: 'fp16' });
    expect(result.metadata).toMatchObject({ precision: 'fp16', tensorrt: { version: '10.3.0', build: 26 }, gpu: { name: 'Fake GPU', computeCapability: '8.6' } });
    expect(planFlags(output)).toBe('fp16');
    // libnvinfer dlopens its builder resource by bare name; only the preload from its folder finds it
    expect(log().some((l) => l.includes('could not load libnvinfer_builder_resource'))).toBe(false);
    const model = await loadModel(output, { maxContexts: 1, cudaGraphs: false });
    expect(model.backendName).toBe('tensorrt');
    expect(model.info.names).toHaveLength(80);
    const [bus] = await model.detect([IMAGES.bus()]);
    expect(bus.detections.length).toBeGreaterThan(0);
    await model.dispose();
    expect(violations()).toEqual([]);
  });

  it('labels an FP16-weight ONNX built strongly typed as fp16, whatever precision was asked', async () => {
    const output = join(work, 'strong.engine');
    const result = await buildEngine({ onnx: onnx(STATIC_NET, true), output, precision: 'fp32' });
    expect(log()).toContain('CALL createNetworkV2 flags=2'); // 1 << kSTRONGLY_TYPED (10.x)
    expect(planFlags(output)).toBe('strong');
    expect(result.metadata.precision).toBe('fp16');
    expect(result.warnings.join('\n')).toMatch(/precision 'fp32' was asked.*labelled 'fp16'/);
  });

  it('INT8 calibration hands getBatch device buffers; a cache that cannot be written keeps the plan', async () => {
    const output = join(work, 'int8.engine');
    const cache = join(work, 'no', 'such', 'folder', 'model.cache');
    const result = await buildEngine({
      onnx: onnx(STATIC_NET),
      output,
      precision: 'int8',
      calibration: { images: [IMAGES.bus(), IMAGES.zidane()], count: 2, cache, cacheDir: join(work, 'calibration') },
    });
    expect(log()).toContain('CALL calibration batches 2');
    expect(planFlags(output)).toBe('int8');
    expect(result.metadata.precision).toBe('int8');
    expect(result.warnings.join('\n')).toContain('The calibration cache was not written');
    expect(violations()).toEqual([]);
  });

  it('a calibration profile TensorRT refuses is ERR_CALIBRATION', async () => {
    fail('calibration-profile');
    const error = await buildEngine({
      onnx: onnx(DYNAMIC_NET),
      output: join(work, 'refused.engine'),
      precision: 'int8',
      shapes: { min: [1, 3, 640, 640], opt: [1, 3, 640, 640], max: [2, 3, 640, 640] },
      calibration: { images: [IMAGES.bus()], count: 1, cacheDir: join(work, 'calibration') },
    }).catch((e) => e);
    expect(error.code).toBe('ERR_CALIBRATION');
    expect(error.message).toContain('TensorRT refused the calibration profile');
  });

  it('an abort during calibration is ERR_CANCELLED, not a calibration failure', async () => {
    process.env.YOLOE_FAKE_STEP_MS = '150';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await buildEngine({
      onnx: onnx(STATIC_NET),
      output: join(work, 'cancelled.engine'),
      precision: 'int8',
      calibration: { images: [IMAGES.bus(), IMAGES.zidane()], count: 2, cacheDir: join(work, 'calibration') },
      signal: controller.signal,
    }).catch((e) => e);
    expect(`${error.code} ${error.message}`).toMatch(/^ERR_CANCELLED /);
  });

  it('an abort while TensorRT builds stops it at the next step, without any progress callback', async () => {
    process.env.YOLOE_FAKE_STEP_MS = '150';
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await buildEngine({ onnx: onnx(STATIC_NET), output: join(work, 'stopped.engine'), precision: 'fp16', signal: controller.signal }).catch((e) => e);
    expect(error.code).toBe('ERR_CANCELLED');
    expect(log()).toContain('CALL build cancelled by the progress monitor');
    expect(Date.now() - started).toBeLessThan(3 * 150 + 100); // not all three steps
  });

  it('dynamic-batch engines: batches stay inside the profile (max 2), five images still detect', async () => {
    const output = join(work, 'dynamic.engine');
    await buildEngine({ onnx: onnx(DYNAMIC_NET), output, precision: 'fp16', shapes: { min: [1, 3, 640, 640], opt: [2, 3, 640, 640], max: [2, 3, 640, 640] } });
    const model = await loadModel(output);
    expect(model.info.inputs[0].profile).toEqual({ min: [1, 3, 640, 640], opt: [2, 3, 640, 640], max: [2, 3, 640, 640] });
    clearLog();
    const results = await model.detect([IMAGES.bus(), IMAGES.zidane(), IMAGES.bus(), IMAGES.zidane(), IMAGES.bus()]);
    expect(results).toHaveLength(5);
    expect(log().filter((l) => l === 'CALL enqueueV3')).toHaveLength(3); // 2 + 2 + 1
    await expect(model.detect([IMAGES.bus()], { batchSize: 3 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await model.dispose();
  });

  it('DLA, version- and hardware-compatibility are recorded and applied when the engine is loaded', async () => {
    process.env.YOLOE_FAKE_DLA = '2';
    const output = join(work, 'dla.engine');
    const result = await buildEngine({ onnx: onnx(STATIC_NET), output, precision: 'fp16', dlaCore: 1, versionCompatible: true, hardwareCompatibility: 'ampere+' });
    expect(result.metadata).toMatchObject({ dlaCore: 1, versionCompatible: true, hardwareCompatibility: 'ampere+' });
    expect(planFlags(output)).toBe('fp16 version-compatible ampere+');
    expect(readEngineHeader(output).metadata).toMatchObject({ dlaCore: 1 });
    clearLog();
    const model = await loadModel(output);
    expect(log()).toEqual(expect.arrayContaining(['CALL setEngineHostCodeAllowed 1', 'CALL setDLACore 1', 'CALL deserializeCudaEngine dla=1']));
    await model.dispose();
  });

  it("format 'plan' writes the plain plan trtexec and Triton load, metadata in <plan>.json; loadModel reads the pair", async () => {
    const output = join(work, 'plain.plan');
    const result = await buildEngine({ onnx: onnx(STATIC_NET), output, precision: 'fp16', format: 'plan' });
    expect(readFileSync(output, 'latin1').startsWith('YOLOE-FAKE-PLAN\n')).toBe(true); // nothing before the plan
    expect(result.sidecar).toBe(`${output}.json`);
    expect(JSON.parse(readFileSync(`${output}.json`, 'utf8'))).toMatchObject({ format: 'yoloe-trt-engine', precision: 'fp16', tensorrt: { version: '10.3.0' } });
    const model = await loadModel(output);
    expect(model.info.names).toHaveLength(80);
    expect(model.info.names[0]).toBe('person');
    await model.dispose();
  });

  it('loadModel(onnx, { backend: tensorrt, cacheDir }) builds once, reuses, and rebuilds an engine that no longer matches', async () => {
    const model = onnx(STATIC_NET);
    const cacheDir = join(work, 'engine-cache');
    const builds = (): number => log().filter((l) => l.startsWith('CALL buildSerializedNetwork')).length;
    clearLog();
    const first = await loadModel(model, { backend: 'tensorrt', cacheDir, precision: 'fp16' });
    expect(first.backendName).toBe('tensorrt');
    await first.dispose();
    expect(builds()).toBe(1);
    const [cached] = readdirSync(cacheDir).filter((f) => f.endsWith('.engine'));
    expect(cached).toMatch(/^model-\d+-[0-9a-f]{16}\.engine$/);
    clearLog();
    await (await loadModel(model, { backend: 'tensorrt', cacheDir, precision: 'fp16' })).dispose();
    expect(builds()).toBe(0);
    // the cached engine now claims another TensorRT release: rebuilt from the ONNX, not refused
    const path = join(cacheDir, cached);
    const header = readEngineHeader(path);
    const stale = { ...(header.metadata as unknown as EngineMetadata), tensorrt: { version: '10.2.0', versionCode: 100200 } };
    writeEngineFile(path, stale, readFileSync(path).subarray(header.planOffset));
    clearLog();
    await (await loadModel(model, { backend: 'tensorrt', cacheDir, precision: 'fp16' })).dispose();
    expect(builds()).toBe(1);
    expect((readEngineHeader(path).metadata as { tensorrt: { version: string } }).tensorrt.version).toBe('10.3.0');
    // another precision is another engine
    clearLog();
    await (await loadModel(model, { backend: 'tensorrt', cacheDir, precision: 'fp32' })).dispose();
    expect(builds()).toBe(1);
    expect(readdirSync(cacheDir).filter((f) => f.endsWith('.engine'))).toHaveLength(2);
    await expect(loadModel(model, { cacheDir })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('callers beyond maxContexts wait in JavaScript, not on libuv threads', async () => {
    const output = join(work, 'gate.engine');
    await buildEngine({ onnx: onnx(STATIC_NET), output, precision: 'fp16' });
    const backend = await loadTensorRtBackend(output, { maxContexts: 1 });
    const binding = (backend as unknown as { binding: { infer: (...args: unknown[]) => Promise<unknown> } }).binding;
    const infer = binding.infer;
    let inFlight = 0;
    let most = 0;
    binding.infer = async (...args: unknown[]) => {
      most = Math.max(most, ++inFlight);
      try {
        return await infer.apply(binding, args);
      } finally {
        inFlight--;
      }
    };
    const tensor = { dtype: 'float32' as const, dims: [1, 3, 640, 640], data: new Float32Array(3 * 640 * 640) };
    await Promise.all([0, 1, 2, 3].map(() => backend.run({ images: tensor })));
    binding.infer = infer;
    expect(most).toBe(1);
    await backend.dispose();
  });
});
