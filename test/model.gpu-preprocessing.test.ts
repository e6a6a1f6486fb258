import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectLayout } from '../lib/decode/index.js';
import { YoloeTrtError } from '../lib/errors.js';
import { decodeImage } from '../lib/image/decode.js';
import { Model, loadModel, LOAD_MODEL_OPTION_KEYS, type DetectOptions } from '../lib/model.js';
import { resolveModelInfo } from '../lib/model-info.js';
import { readOnnxMetadata } from '../lib/onnx/index.js';
import type { LetterboxGeometry, RgbImage } from '../lib/types.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';
import { comparableResults } from './results-digest.js';
import { makeSyntheticHeadModel } from './synthetic/generate.js';
import { syntheticTestModelSpecs } from './synthetic/test-models.js';
import { TensorRtImageDouble, type ImageDoubleOptions } from './tensorrt-image-double.js';

/**
 * Model.detect on the TensorRT backend (here a test double of it, test/tensorrt-image-double.ts):
 * which path runs ('auto' / 'gpu' / 'cpu'), what it hands runImages (geometries, embeddings,
 * compaction), the fallback, and results identical to the CPU path's.
 */
const RUNTIME_VOCAB = () => fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_runtime-vocab_320.onnx');
const open: { dispose(): Promise<void> }[] = [];
const dir = mkdtempSync(join(tmpdir(), 'yoloe-gpu-pre-'));
afterAll(async () => {
  await Promise.all(open.map((m) => m.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

/** A Model over the double, built as loadModel builds one once the backend is open. */
async function gpuModel(onnx: string, options: ImageDoubleOptions = {}, preprocess?: 'auto' | 'gpu' | 'cpu'): Promise<{ model: Model; double: TensorRtImageDouble }> {
  const double = await TensorRtImageDouble.open(onnx, options);
  open.push(double);
  const info = resolveModelInfo(onnx.replace(/\.onnx$/, '.engine'), { backend: double, format: 'engine', metadata: await readOnnxMetadata(onnx) }, {}, detectLayout);
  return { model: new Model(info, double, undefined, preprocess ? { preprocess } : {}), double };
}

const cpuModels = new Map<string, Promise<Model>>();
function cpuModel(onnx: string): Promise<Model> {
  if (!cpuModels.has(onnx)) {
    const m = loadModel(onnx, { backend: 'cpu', threads: 1 });
    m.then((model) => open.push(model), () => undefined);
    cpuModels.set(onnx, m);
  }
  return cpuModels.get(onnx)!;
}

async function expectSameAsCpu(model: Model, onnx: string, inputs: RgbImage[], options: DetectOptions = {}) {
  const got = await model.detectDecoded(inputs, options);
  const want = await (await cpuModel(onnx)).detectDecoded(inputs, options);
  expect(comparableResults(got)).toEqual(comparableResults(want));
  return got;
}

// Ultralytics LetterBox(640, auto=False): bus 810 x 1080 and zidane 1280 x 720
const BUS_640: LetterboxGeometry = { srcWidth: 810, srcHeight: 1080, dstWidth: 640, dstHeight: 640, ratio: 640 / 1080, newWidth: 480, newHeight: 640, left: 80, top: 0, right: 80, bottom: 0 };
const ZIDANE_640: LetterboxGeometry = { srcWidth: 1280, srcHeight: 720, dstWidth: 640, dstHeight: 640, ratio: 0.5, newWidth: 640, newHeight: 360, left: 0, top: 140, right: 0, bottom: 140 };

let bus: RgbImage;
let zidane: RgbImage;
beforeAll(async () => {
  bus = await decodeImage(IMAGES.bus());
  zidane = await decodeImage(IMAGES.zidane());
});

const unavailable = () => new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', 'NVRTC (libnvrtc.so.12) could not be loaded');

describe("preprocess 'auto' on a TensorRT engine: the GPU path", () => {
  it('letterboxes on the GPU with the CPU geometry, compacts the raw head, and detects exactly as the CPU path', async () => {
    const { model, double } = await gpuModel(MODELS.det640());
    expect(model.info.preprocessing).toBe('gpu');
    expect(model.info.preprocessingReason).toBeUndefined();
    const [a, b] = await expectSameAsCpu(model, MODELS.det640(), [bus, zidane]);
    expect(a!.detections.length).toBeGreaterThan(2);
    expect(b!.detections.length).toBeGreaterThan(1);
    // a static batch of 1: one run per image
    expect(double.runImagesCalls.map((c) => c.geometries)).toEqual([[BUS_640], [ZIDANE_640]]);
    expect(double.runImagesCalls[0]!.images[0]).toBe(bus);
    expect(double.runImagesCalls[0]!.options).toEqual({ padValue: 114, imageInput: 'images', compact: { output: 'output0', nc: 80, nm: 0, conf: 0.25, multiLabel: false, capacity: 8400 } });
    expect(double.runCalls).toHaveLength(0);
  });

  it('passes multiLabel, conf and classes to the kernel; multi-label capacity is min(anchors * nc, 262,144)', async () => {
    const { model, double } = await gpuModel(MODELS.det640());
    await expectSameAsCpu(model, MODELS.det640(), [bus], { conf: 0.1, multiLabel: true, classes: [0, 5] });
    expect(double.runImagesCalls[0]!.options.compact).toEqual({ output: 'output0', nc: 80, nm: 0, conf: 0.1, multiLabel: true, classes: [0, 5], capacity: 262_144 });
    await expectSameAsCpu(model, MODELS.det640(), [zidane], { conf: 0.001, maxNms: 400 });
  });

  it('an image with more candidates than the capacity: the whole head comes back and decodes as usual', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { overflow: true });
    await expectSameAsCpu(model, MODELS.det640(), [bus, zidane], { conf: 0.01 });
    expect(double.runImagesCalls).toHaveLength(2);
  });

  it('segmentation: masks from the compacted coefficients equal the CPU path, retina too', async () => {
    const { model, double } = await gpuModel(MODELS.seg320());
    const [r] = await expectSameAsCpu(model, MODELS.seg320(), [bus]);
    expect(r!.detections.length).toBeGreaterThan(2);
    expect(r!.detections.every((d) => d.mask !== undefined)).toBe(true);
    expect(double.runImagesCalls[0]!.options.compact).toMatchObject({ nc: 80, nm: 32, capacity: 2100 });
    await expectSameAsCpu(model, MODELS.seg320(), [zidane], { retina: true });
  });

  it('a static batch of 2 is padded with copies of the last image, on the GPU as on the CPU', async () => {
    const cpu = await cpuModel(MODELS.det640());
    const { model, double } = await gpuModel(MODELS.det640(), {
      inputs: [{ ...cpu.info.inputs[0]!, dims: [2, 3, 640, 640] }],
      outputs: [{ ...cpu.info.outputs[0]!, dims: [2, 84, 8400] }],
    });
    expect(model.info.batch).toBe(2);
    await expectSameAsCpu(model, MODELS.det640(), [zidane]);
    expect(double.runImagesCalls[0]!.images).toEqual([zidane, zidane]);
    expect(double.runImagesCalls[0]!.images[1]).toBe(zidane);
    expect(double.runImagesCalls[0]!.geometries).toEqual([ZIDANE_640, ZIDANE_640]);
    const three = await expectSameAsCpu(model, MODELS.det640(), [bus, zidane, bus]);
    expect(three).toHaveLength(3);
    expect(double.runImagesCalls.slice(1).map((c) => c.geometries)).toEqual([[BUS_640, ZIDANE_640], [BUS_640, BUS_640]]);
  });

  it('a run-time vocabulary: the call\'s class embeddings go as an input, nc is the prompt count', async () => {
    const { model, double } = await gpuModel(RUNTIME_VOCAB());
    // one-hot rows e_0 and e_5 are COCO person and bus for this graph (fixtures/yoloe/README.md)
    const embeddings = new Float32Array(2 * 512);
    embeddings[0] = 1;
    embeddings[512 + 5] = 1;
    const options = { prompts: ['person', 'bus'], embeddings };
    const [r] = await expectSameAsCpu(model, RUNTIME_VOCAB(), [bus], options);
    expect(new Set(r!.detections.map((d) => d.label))).toEqual(new Set(['person', 'bus']));
    const call = double.runImagesCalls[0]!;
    expect(call.options.compact).toEqual({ output: 'output0', nc: 2, nm: 32, conf: 0.25, multiLabel: false, capacity: 2100 });
    expect(call.options.imageInput).toBe('images');
    const fed = call.options.inputs!.class_embeddings!;
    expect(fed.dims).toEqual([1, 2, 512]);
    expect(Array.from(fed.data as Float32Array)).toEqual(Array.from(embeddings));
  });

  it('`auto` shrinks the canvas exactly as the CPU letterbox on a dynamic-shape engine (same-size batches only)', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), {
      inputs: [{ name: 'images', dtype: 'float32', dims: ['batch', 3, 'height', 'width'] }],
      outputs: [{ name: 'output0', dtype: 'float32', dims: ['batch', 84, 'anchors'] }],
      zeroHead: { output: 'output0', channels: 84 },
    });
    expect(model.info.dynamicShape).toBe(true);
    const [r] = await model.detectDecoded([zidane], { auto: true });
    expect(r!.detections).toEqual([]);
    // LetterBox(640, auto=True, stride=32): 640 x 360 content, 24 px of pad split 12 / 12
    expect(double.runImagesCalls[0]!.geometries).toEqual([{ ...ZIDANE_640, dstHeight: 384, top: 12, bottom: 12 }]);
    // dynamic N: the anchors of strides 8/16/32 at 640 x 384
    expect(double.runImagesCalls[0]!.options.compact!.capacity).toBe(80 * 48 + 40 * 24 + 20 * 12);
    await model.detectDecoded([zidane, bus], { auto: true });
    expect(double.runImagesCalls[1]!.geometries).toEqual([ZIDANE_640, BUS_640]);
    await model.detectDecoded([bus], { auto: true, imgsz: 320 });
    expect(double.runImagesCalls[2]!.geometries[0]).toMatchObject({ dstWidth: 256, dstHeight: 320, newWidth: 240, newHeight: 320, left: 8, right: 8 });
    // imgsz [h, w] = [320, 640]: r = min(320 / 720, 640 / 1280), 569 x 320 content, 71 % 32 = 7 px split 3 / 4
    await model.detectDecoded([zidane], { auto: true, imgsz: [320, 640] });
    expect(double.runImagesCalls[3]!.geometries).toEqual([{ srcWidth: 1280, srcHeight: 720, dstWidth: 576, dstHeight: 320, ratio: 320 / 720, newWidth: 569, newHeight: 320, left: 3, right: 4, top: 0, bottom: 0 }]);
  });

  it('end-to-end heads: GPU letterbox, no compaction', async () => {
    const path = join(dir, 'e2e.onnx');
    writeFileSync(path, makeSyntheticHeadModel(syntheticTestModelSpecs()['yolo26-e2e-det-640']!));
    const { model, double } = await gpuModel(path);
    expect(model.info.layout.kind).toBe('end2end');
    const [r] = await expectSameAsCpu(model, path, [zidane]);
    expect(r!.detections.length).toBeGreaterThan(0);
    expect(double.runImagesCalls[0]!.options.compact).toBeUndefined();
  });

  it('model.infer() runs on the GPU without compaction: the raw head comes back', async () => {
    const { model, double } = await gpuModel(MODELS.det640());
    const { outputs, geometries } = await model.infer([bus]);
    expect(outputs.output0!.dims).toEqual([1, 84, 8400]);
    expect(geometries).toEqual([BUS_640]);
    expect(double.runImagesCalls[0]!.options.compact).toBeUndefined();
  });
});

describe("preprocess 'auto' falls back to the CPU letterbox once, when the kernels cannot run", () => {
  it('ERR_BACKEND_UNAVAILABLE on the first run: the same results from the CPU path, for good, and info says why', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { failures: [unavailable()] });
    expect(model.info.preprocessing).toBe('gpu');
    await expectSameAsCpu(model, MODELS.det640(), [bus]);
    expect(model.info.preprocessing).toBe('cpu');
    expect(model.info.preprocessingReason).toMatch(/NVRTC \(libnvrtc\.so\.12\) could not be loaded/);
    expect(double.runCalls).toHaveLength(1);
    expect(double.runCalls[0]!.images!.dims).toEqual([1, 3, 640, 640]);
    await expectSameAsCpu(model, MODELS.det640(), [zidane]);
    expect(double.runImagesCalls).toHaveLength(1);
    expect(double.runCalls).toHaveLength(2);
  });

  it('other errors are errors: no fallback', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { failures: [new YoloeTrtError('ERR_BACKEND', 'enqueueV3 failed')] });
    await expect(model.detectDecoded([bus])).rejects.toMatchObject({ code: 'ERR_BACKEND', message: 'enqueueV3 failed' });
    expect(model.info.preprocessing).toBe('gpu');
    await expectSameAsCpu(model, MODELS.det640(), [bus]);
    expect(double.runCalls).toHaveLength(0);
  });

  it('after a GPU run has worked, ERR_BACKEND_UNAVAILABLE propagates', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { failures: [undefined, unavailable()] });
    await model.detectDecoded([bus]);
    await expect(model.detectDecoded([bus])).rejects.toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    expect(model.info.preprocessing).toBe('gpu');
    expect(double.runCalls).toHaveLength(0);
  });

  it('an addon without the CUDA kernels: the CPU path from the start, with the reason', async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { unusable: 'the native addon was built without the CUDA preprocessing kernels (native/cuda)' });
    expect(model.info.preprocessing).toBe('cpu');
    expect(model.info.preprocessingReason).toBe('the native addon was built without the CUDA preprocessing kernels (native/cuda)');
    await expectSameAsCpu(model, MODELS.det640(), [bus]);
    expect(double.runImagesCalls).toHaveLength(0);
  });
});

describe("preprocess 'gpu' and 'cpu'", () => {
  it("'gpu': a run that finds the kernels unusable rejects, naming the option and why", async () => {
    const { model, double } = await gpuModel(MODELS.det640(), { failures: [unavailable()] }, 'gpu');
    const error = await model.detectDecoded([bus]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(YoloeTrtError);
    expect(error).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE', message: "GPU preprocessing (preprocess 'gpu') cannot run: NVRTC (libnvrtc.so.12) could not be loaded" });
    expect(double.runCalls).toHaveLength(0);
    expect(model.info.preprocessing).toBe('gpu');
  });

  it("'gpu' without the kernels, or on the CPU backend, is a typed error at load", async () => {
    const double = await TensorRtImageDouble.open(MODELS.det640(), { unusable: 'the native addon was built without the CUDA preprocessing kernels (native/cuda)' });
    open.push(double);
    const info = resolveModelInfo('m.engine', { backend: double, format: 'engine', metadata: {} }, {}, detectLayout);
    expect(() => new Model(info, double, undefined, { preprocess: 'gpu' })).toThrow(expect.objectContaining({
      code: 'ERR_BACKEND_UNAVAILABLE',
      message: "GPU preprocessing (preprocess 'gpu') cannot run: the native addon was built without the CUDA preprocessing kernels (native/cuda)",
    }));
    await expect(loadModel(MODELS.det640(), { preprocess: 'gpu', threads: 1 })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: "Expected a TensorRT engine (backend 'tensorrt') for preprocess 'gpu' but received a model on backend 'cpu'",
    });
  });

  it("'cpu' never calls runImages; the CPU backend ignores 'auto' and 'cpu'", async () => {
    const { model, double } = await gpuModel(MODELS.det640(), {}, 'cpu');
    expect(model.info.preprocessing).toBe('cpu');
    expect(model.info.preprocessingReason).toBeUndefined();
    await expectSameAsCpu(model, MODELS.det640(), [bus, zidane]);
    expect(double.runImagesCalls).toHaveLength(0);
    expect(double.runCalls).toHaveLength(2);
    expect((await cpuModel(MODELS.det640())).info.preprocessing).toBe('cpu');
    const cpuOnly = await loadModel(MODELS.det640(), { preprocess: 'cpu', threads: 1 });
    open.push(cpuOnly);
    expect(cpuOnly.info.preprocessing).toBe('cpu');
  });

  it('the option is validated and registered', async () => {
    expect(LOAD_MODEL_OPTION_KEYS).toContain('preprocess');
    await expect(loadModel(MODELS.det640(), { preprocess: 'fast' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: 'Expected one of \'auto\', \'gpu\', \'cpu\' for preprocess but received "fast"',
    });
  });
});
