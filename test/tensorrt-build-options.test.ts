import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildEngine, onnxPrecisionTraits, validateBuildOptions, type BuildEngineOptions } from '../lib/build-engine.js';
import { tensorRtAvailability } from '../lib/backends/tensorrt.js';
import { YoloeTrtError } from '../lib/errors.js';
import { convertToFp16, initializer, loadOnnxFile, makeModel, node, valueInfo } from '../lib/onnx/index.js';
import { MODELS } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-build-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function rejection(options: Partial<BuildEngineOptions> & Record<string, unknown>): YoloeTrtError {
  try {
    validateBuildOptions({ onnx: 'model.onnx', output: 'model.engine', ...options } as BuildEngineOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(YoloeTrtError);
    expect((err as YoloeTrtError).code).toBe('ERR_INVALID_OPTION');
    return err as YoloeTrtError;
  }
  throw new Error('expected ERR_INVALID_OPTION');
}

describe('buildEngine option validation (before any native code)', () => {
  it('applies the documented defaults', () => {
    const o = validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine' });
    expect(o).toMatchObject({ precision: 'fp16', shapes: [], gpuFallback: true, device: 0 });
    expect(o.calibration).toBeUndefined();
    expect(validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine', workspace: 2 }).workspaceBytes).toBe(2 * 2 ** 30);
  });

  it('names the option and the received value, uniformly', () => {
    expect(rejection({ onnx: undefined }).message).toBe('Expected the path of an ONNX model for onnx but received undefined');
    expect(rejection({ output: 42 }).message).toBe('Expected a non-empty string for output but received 42');
    expect(rejection({ output: 'model.onnx' }).message).toBe('Expected a path other than the ONNX model for output but received "model.onnx"');
    expect(rejection({ precision: 'int4' }).message).toBe("Expected one of 'fp32', 'fp16', 'int8', 'best' for precision but received \"int4\"");
    expect(rejection({ workspace: 0 }).message).toBe('Expected a number > 0 and <= 1024 for workspace but received 0');
    expect(rejection({ optimizationLevel: 6 }).message).toBe('Expected an integer >= 0 and <= 5 for optimizationLevel but received 6');
    expect(rejection({ dlaCore: -1 }).message).toBe('Expected an integer >= 0 and <= 15 for dlaCore but received -1');
    expect(rejection({ dlaCore: 0, precision: 'fp32' }).message).toMatch(/^Expected 'fp16', 'int8' or 'best' with dlaCore \(DLA has no FP32\) for precision/);
    expect(rejection({ gpuFallback: 'yes' }).message).toBe('Expected a boolean for gpuFallback but received "yes"');
    expect(rejection({ timingCache: '' }).message).toBe('Expected a non-empty string for timingCache but received ""');
    expect(rejection({ onProgress: 'bar' }).message).toBe('Expected a function for onProgress but received "bar"');
    expect(rejection({ signal: {} }).message).toBe('Expected an AbortSignal for signal but received an object (Object)');
  });

  it('checks shapes: ranks, positive integers, min <= opt <= max', () => {
    const ok = validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine', shapes: { min: [1, 3, 320, 320], opt: [1, 3, 640, 640], max: [4, 3, 640, 640] } });
    expect(ok.shapes).toEqual([{ input: '', min: [1, 3, 320, 320], opt: [1, 3, 640, 640], max: [4, 3, 640, 640] }]);
    expect(rejection({ shapes: { min: [1, 3, 0, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } }).message).toBe(
      'Expected an array of 1 to 8 positive integers for shapes.min but received array of length 4',
    );
    expect(rejection({ shapes: { min: [1, 3, 640], opt: [1, 3, 640, 640], max: [1, 3, 640, 640] } }).message).toBe(
      'Expected min, opt and max of the same rank for shapes but received "ranks 3, 4, 4"',
    );
    expect(rejection({ shapes: [{ min: [2], opt: [1], max: [4] }] }).message).toBe('Expected dims between min [2] and max [4] for shapes[0].opt but received "[1]"');
    expect(rejection({ shapes: [] }).message).toMatch(/for shapes but received array of length 0/);
  });

  it('checks calibration: a source is required, only for int8 / best', () => {
    expect(rejection({ precision: 'int8', calibration: {} }).message).toBe('Expected images, set or an existing cache for calibration but received an object (Object)');
    expect(rejection({ precision: 'int8', calibration: { images: [] } }).message).toBe(
      'Expected a folder path or a non-empty array of image paths for calibration.images but received array of length 0',
    );
    expect(rejection({ precision: 'int8', calibration: { images: 'calib', method: 'kl' } }).message).toBe(
      "Expected one of 'entropy', 'minmax' for calibration.method but received \"kl\"",
    );
    expect(rejection({ precision: 'int8', calibration: { images: 'calib', cacheVersionMismatch: 'ignore' } }).message).toMatch(/for calibration\.cacheVersionMismatch/);
    expect(rejection({ precision: 'fp16', calibration: { images: 'calib' } }).message).toBe(
      "Expected precision 'int8' or 'best' (calibration only feeds INT8) for calibration but received \"precision fp16\"",
    );
    expect(rejection({ precision: 'int8', calibration: { set: { digest: 1 } } }).message).toMatch(/^Expected a CalibrationSet from prepareCalibrationSet\(\) for calibration.set/);
    expect(validateBuildOptions({ onnx: 'm.onnx', output: 'e', precision: 'best', calibration: { cache: 'm.cache' } }).calibration).toMatchObject({
      method: 'entropy',
      cacheVersionMismatch: 'rewrite',
      cache: 'm.cache',
    });
  });
});

describe('buildEngine on a machine without TensorRT', () => {
  it('a bad option fails as ERR_INVALID_OPTION, a missing ONNX as ERR_FILE_NOT_FOUND', async () => {
    await expect(buildEngine({ onnx: MODELS.det640(), output: join(dir, 'a.engine'), precision: 'fp8' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(buildEngine({ onnx: join(dir, 'none.onnx'), output: join(dir, 'a.engine') })).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    await expect(buildEngine({ onnx: MODELS.det640(), output: join(dir, 'no', 'such', 'a.engine') })).rejects.toMatchObject({ code: 'ERR_FILE_WRITE' });
  });

  it('valid options end in ERR_BACKEND_UNAVAILABLE naming what is missing', async () => {
    // TensorRT switched off on purpose, so the outcome is the same with or without a GPU here
    // (each reason tensorRtAvailability can give is tested in tensorrt-availability.test.ts)
    process.env.YOLOE_TRT_DISABLE_TENSORRT = '1';
    try {
      const error = await buildEngine({ onnx: MODELS.det640(), output: join(dir, 'a.engine'), precision: 'fp16' }).catch((e) => e);
      expect(error).toBeInstanceOf(YoloeTrtError);
      expect(error.code).toBe('ERR_BACKEND_UNAVAILABLE');
      expect(error.message).toBe('TensorRT is not usable: TensorRT is disabled by YOLOE_TRT_DISABLE_TENSORRT=1. Fix: unset YOLOE_TRT_DISABLE_TENSORRT');
    } finally {
      delete process.env.YOLOE_TRT_DISABLE_TENSORRT;
    }
  });
});

describe('onnxPrecisionTraits', () => {
  it('sees float ONNX, FP16 ONNX and Q/DQ ONNX apart', () => {
    const fp32 = loadOnnxFile(MODELS.det640());
    expect(onnxPrecisionTraits(fp32)).toEqual({ qdq: false, fp16: false });
    expect(onnxPrecisionTraits(convertToFp16(fp32))).toEqual({ qdq: false, fp16: true });
    const qdq = makeModel({
      inputs: [valueInfo('x', 'float32', [1, 4])],
      outputs: [valueInfo('y', 'float32', [1, 4])],
      initializers: [initializer('s', 'float32', [], [0.1]), initializer('z', 'int8', [], [0])],
      nodes: [node('QuantizeLinear', ['x', 's', 'z'], ['q']), node('DequantizeLinear', ['q', 's', 'z'], ['y'])],
    });
    expect(onnxPrecisionTraits(qdq)).toEqual({ qdq: true, fp16: false });
  });
});
