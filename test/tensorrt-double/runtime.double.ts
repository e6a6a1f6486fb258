// The runtime path (loadEngine / infer / release) against the TensorRT contract double.
import { beforeEach, describe, expect, it } from 'vitest';
import { DYNAMIC, STATIC, binding, clearLog, expectedOut, fail, log, ramp, violations, writePlan } from './double.js';

const trt = binding();

beforeEach(() => {
  clearLog();
  fail('');
  delete process.env.YOLOE_FAKE_DEVICES;
  delete process.env.YOLOE_FAKE_INTEGRATED;
  delete process.env.YOLOE_FAKE_DLA;
});

describe('engines run on the double', () => {
  it('copies inputs in and outputs out through the driver table, dims following the batch', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC));
    const input = ramp(3 * 3 * 16);
    const [out] = await trt.infer(engine, [{ name: 'images', dims: [3, 3, 4, 4], data: input }]);
    expect(out.dims).toEqual([3, 2, 3]);
    expect(Array.from(out.data as Float32Array)).toEqual(expectedOut(input, 18));
    const info = trt.engineInfo(engine);
    expect(info.inputs[0]).toMatchObject({ min: [1, 3, 4, 4], opt: [2, 3, 4, 4], max: [4, 3, 4, 4] });
    trt.releaseEngine(engine);
    expect(violations()).toEqual([]);
  });

  it('one logger for the whole process: a second engine, the first disposed, the second still runs', async () => {
    const a = await trt.loadEngine(writePlan(STATIC));
    const b = await trt.loadEngine(writePlan(STATIC));
    trt.releaseEngine(a);
    const input = ramp(48);
    const [out] = await trt.infer(b, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
    expect(Array.from(out.data as Float32Array)).toEqual(expectedOut(input, 6));
    trt.releaseEngine(b);
    expect(log().filter((l) => l === 'CALL createInferRuntime')).toHaveLength(2);
    expect(violations()).toEqual([]); // a second ILogger is a VIOLATION line
  });

  it('frees contexts before the engine and the engine before its runtime', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC), { maxContexts: 3 });
    const input = ramp(96);
    await Promise.all([0, 1, 2].map(() => trt.infer(engine, [{ name: 'images', dims: [2, 3, 4, 4], data: input }])));
    trt.releaseEngine(engine);
    const order = log().filter((l) => l === 'CALL ~ICudaEngine' || l === 'CALL ~IRuntime');
    expect(order).toEqual(['CALL ~ICudaEngine', 'CALL ~IRuntime']);
    expect(violations()).toEqual([]);
  });

  it('shapes outside the optimization profile are ERR_SHAPE before TensorRT sees them', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC));
    const error = await trt.infer(engine, [{ name: 'images', dims: [5, 3, 4, 4], data: ramp(5 * 48) }]).catch((e) => e);
    expect(error.code).toBe('ERR_SHAPE');
    expect(error.message).toContain('outside the engine\'s range [1, 3, 4, 4] .. [4, 3, 4, 4]');
    expect(log()).not.toContain('CALL enqueueV3');
    trt.releaseEngine(engine);
  });

  it('a context that cannot be created (out of memory) leaves the callers to the contexts that exist', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC), { maxContexts: 3 });
    fail('context@2'); // the second createExecutionContext returns null
    process.env.YOLOE_FAKE_ENQUEUE_MS = '30'; // runs overlap, so more contexts are asked for
    const inputs = [0, 1, 2, 3, 4, 5].map((i) => ramp(48, i));
    const results = await Promise.all(inputs.map((input) => trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: input }])));
    results.forEach(([out], i) => expect(Array.from(out.data as Float32Array)).toEqual(expectedOut(inputs[i], 6)));
    const stats = trt.engineInfo(engine).stats;
    delete process.env.YOLOE_FAKE_ENQUEUE_MS;
    expect(stats.contextFailures).toBe(1);
    expect(stats.contexts).toBeGreaterThanOrEqual(1);
    expect(stats.contexts).toBeLessThanOrEqual(2);
    trt.releaseEngine(engine);
    expect(violations()).toEqual([]);
  });

  it('no context at all is ERR_BACKEND naming what TensorRT logged for that call only', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC));
    fail('context');
    const first = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: ramp(48) }]).catch((e) => e);
    expect(first.code).toBe('ERR_BACKEND');
    expect(first.message).toContain('fake TensorRT: out of device memory for an execution context');
    const second = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: ramp(48) }]).catch((e) => e);
    // the second failure reports its own log line once, not the first call's too
    expect(second.message.split('out of device memory').length - 1).toBe(1);
    trt.releaseEngine(engine);
  });

  it('an enqueueV3 failure names its own error, not older ones', async () => {
    const engine = await trt.loadEngine(writePlan(DYNAMIC));
    fail('enqueue');
    for (let i = 0; i < 3; i++) {
      const error = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: ramp(48) }]).catch((e) => e);
      expect(error.code).toBe('ERR_BACKEND');
      expect(error.message.split('enqueueV3 failed (injected)').length - 1).toBe(1);
    }
    trt.releaseEngine(engine);
  });

  it('null factories are coded errors, never crashes', async () => {
    fail('runtime');
    await expect(trt.loadEngine(writePlan(STATIC))).rejects.toMatchObject({ code: 'ERR_BACKEND', message: expect.stringContaining('could not create a runtime') });
    fail('deserialize');
    await expect(trt.loadEngine(writePlan(STATIC))).rejects.toMatchObject({
      code: 'ERR_ENGINE_MISMATCH',
      message: expect.stringContaining('fake TensorRT: the plan is not a serialized engine of this version'),
    });
  });

  it('a driver older than the build needs is named as such (ERR_BACKEND_UNAVAILABLE), not "no GPU"', async () => {
    fail('driver-too-old');
    const error = await trt.loadEngine(writePlan(STATIC)).catch((e) => e);
    expect(error.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(error.message).toBe('The NVIDIA driver is too old for this build: cuDeviceGetCount failed: CUDA_ERROR_INSUFFICIENT_DRIVER (fake driver error)');
  });

  it('refuses vectorized I/O formats (CHW16) instead of reading past the buffers', async () => {
    const plan = writePlan([{ name: 'images', io: 'input', dims: [1, 16, 4, 4], format: 'CHW16' }, { name: 'out', io: 'output', dims: [1, 2, 3] }]);
    await expect(trt.loadEngine(plan)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT', message: expect.stringContaining("'images' uses the CHW16 layout") });
  });

  it('sets the DLA core an engine was built for before deserializing it', async () => {
    process.env.YOLOE_FAKE_DLA = '2';
    const plan = writePlan(STATIC, 'dla 1\n');
    const engine = await trt.loadEngine(plan, { dlaCore: 1 });
    expect(log()).toContain('CALL setDLACore 1');
    expect(log().indexOf('CALL setDLACore 1')).toBeLessThan(log().indexOf('CALL deserializeCudaEngine dla=1'));
    trt.releaseEngine(engine);
    await expect(trt.loadEngine(plan, { dlaCore: 3 })).rejects.toMatchObject({ code: 'ERR_ENGINE_MISMATCH', message: expect.stringContaining('has 2 DLA core(s)') });
  });

  it('frees an engine on its own device whatever device the releasing thread had', async () => {
    process.env.YOLOE_FAKE_DEVICES = '2';
    const one = await trt.loadEngine(writePlan(STATIC), { device: 1 });
    const zero = await trt.loadEngine(writePlan(STATIC), { device: 0 });
    const input = ramp(48);
    await trt.infer(one, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
    await trt.infer(zero, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
    expect(trt.engineInfo(one).gpu.name).toBe('Fake GPU #1');
    trt.releaseEngine(one);
    trt.releaseEngine(zero);
    expect(violations()).toEqual([]); // "cuMemFree of device 1 memory with device 0's context current"
  });

  it('zero-copy on integrated GPUs: mapped pinned memory, no copies, same results', async () => {
    process.env.YOLOE_FAKE_INTEGRATED = '1';
    const engine = await trt.loadEngine(writePlan(STATIC));
    expect(trt.engineInfo(engine).zeroCopy).toBe(true);
    const input = ramp(48, 3);
    const [out] = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
    expect(Array.from(out.data as Float32Array)).toEqual(expectedOut(input, 6));
    trt.releaseEngine(engine);
    expect(violations()).toEqual([]);
  });

  it('a driver that refuses graph capture leaves static engines on plain enqueues, results intact', async () => {
    const engine = await trt.loadEngine(writePlan(STATIC), { cudaGraphs: true });
    for (let i = 0; i < 4; i++) {
      const input = ramp(48, i);
      const [out] = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
      expect(Array.from(out.data as Float32Array)).toEqual(expectedOut(input, 6));
    }
    expect(log()).toContain('CALL cuStreamBeginCapture refused');
    expect(trt.engineInfo(engine).stats).toMatchObject({ runs: 4, graphReplays: 0, graphsDisabled: true });
    trt.releaseEngine(engine);
  });

  it('data-dependent outputs (NonZero-style) come back through an IOutputAllocator', async () => {
    const plan = writePlan([
      { name: 'images', io: 'input', dims: [1, 3, 4, 4] },
      { name: 'kept', io: 'output', dims: [1, 6, -2] },
    ]);
    const engine = await trt.loadEngine(plan);
    expect(trt.engineInfo(engine).outputs[0].dims).toEqual([1, 6, -1]);
    for (const threshold of [0.5, 0.9, 5]) {
      const input = Float32Array.from({ length: 48 }, (_, i) => (i % 10) / 10 + (i < 7 ? threshold : 0));
      const count = Math.min(64, input.filter((v) => v > 0.5).length);
      const [out] = await trt.infer(engine, [{ name: 'images', dims: [1, 3, 4, 4], data: input }]);
      expect(out.dims).toEqual([1, 6, count]);
      const expected = Array.from({ length: 6 * count }, (_, k) => Math.floor(k / count) * 100 + (k % count));
      expect(Array.from(out.data as Float32Array)).toEqual(expected);
    }
    trt.releaseEngine(engine);
    expect(violations()).toEqual([]);
  });
});
