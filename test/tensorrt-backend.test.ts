import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeEngineFile, type EngineMetadata } from '../lib/backends/engine-file.js';
import { openBackend } from '../lib/backends/index.js';
import { loadTensorRtBackend } from '../lib/backends/tensorrt.js';
import { fromNativeError } from '../lib/native/errors.js';
import { YoloeTrtError } from '../lib/errors.js';
import { loadAddon } from '../lib/native/addon.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-trt-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const metadata: EngineMetadata = {
  format: 'yoloe-trt-engine',
  producer: 'yoloe-trt 0.1.0',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: 'm.onnx',
  task: 'detect',
  names: ['person'],
  imgsz: [640, 640],
  stride: 32,
  precision: 'fp16',
  inputs: [],
  outputs: [],
  tensorrt: { version: '10.3.0', versionCode: 100300 },
  gpu: { name: 'Orin', computeCapability: '8.7' },
};

describe('loading an engine where TensorRT is missing', () => {
  it('a missing engine file is ERR_FILE_NOT_FOUND', async () => {
    await expect(loadTensorRtBackend(join(dir, 'x.engine'))).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: `Engine file not found: ${join(dir, 'x.engine')}` });
  });

  it('a damaged header is ERR_MODEL_FORMAT before anything native', async () => {
    const path = join(dir, 'damaged.engine');
    const bytes = Buffer.alloc(64);
    bytes.write('YOLOETRT', 0, 'latin1');
    bytes.writeUInt32LE(1, 8);
    bytes.writeUInt32LE(1000, 12);
    writeFileSync(path, bytes);
    await expect(loadTensorRtBackend(path)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });

  it('a valid engine file gets ERR_BACKEND_UNAVAILABLE naming what is missing', async () => {
    const path = join(dir, 'ok.engine');
    writeEngineFile(path, metadata, new Uint8Array(256).fill(7));
    process.env.YOLOE_TRT_DISABLE_TENSORRT = '1'; // the same outcome with or without a GPU here
    const error = await loadTensorRtBackend(path).catch((e) => e).finally(() => delete process.env.YOLOE_TRT_DISABLE_TENSORRT);
    expect(error).toBeInstanceOf(YoloeTrtError);
    expect(error.code).toBe('ERR_BACKEND_UNAVAILABLE');
    expect(error.message).toBe('TensorRT is not usable: TensorRT is disabled by YOLOE_TRT_DISABLE_TENSORRT=1. Fix: unset YOLOE_TRT_DISABLE_TENSORRT');
    process.env.YOLOE_TRT_DISABLE_TENSORRT = '1';
    // the model layer's entry point reports the same
    await expect(openBackend(path, 'auto', {})).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE', message: error.message });
    delete process.env.YOLOE_TRT_DISABLE_TENSORRT;
    await expect(openBackend(path, 'cpu', {})).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('validates backend options first', async () => {
    const path = join(dir, 'ok2.engine');
    writeEngineFile(path, metadata, new Uint8Array(16).fill(1));
    await expect(loadTensorRtBackend(path, { maxContexts: 0 })).rejects.toThrow('Expected an integer >= 1 and <= 64 for maxContexts but received 0');
    await expect(loadTensorRtBackend(path, { cudaGraphs: 1 as never })).rejects.toThrow('Expected a boolean for cudaGraphs but received 1');
  });
});

describe('native errors', () => {
  it('keep their code as a YoloeTrtError; unknown codes become ERR_NATIVE', () => {
    const native = Object.assign(new Error('engine from another GPU'), { code: 'ERR_ENGINE_MISMATCH' });
    const mapped = fromNativeError(native);
    expect(mapped).toBeInstanceOf(YoloeTrtError);
    expect(mapped.code).toBe('ERR_ENGINE_MISMATCH');
    expect(mapped.message).toBe('engine from another GPU');
    expect(mapped.cause).toBe(native);
    expect(fromNativeError(Object.assign(new Error('?'), { code: 'EWHATEVER' })).code).toBe('ERR_NATIVE');
    // one mapping for every native call: codes the TensorRT path used to turn into ERR_NATIVE
    for (const code of ['ERR_MODEL_LAYOUT', 'ERR_IMAGE_DECODE', 'ERR_IMAGE_CHANNELS', 'ERR_DATASET', 'ERR_QUANTIZATION', 'ERR_CANCELLED']) {
      expect(fromNativeError(Object.assign(new Error(code), { code })).code).toBe(code);
    }
  });
});
