// detect() on a TensorRT engine (the contract double, kernels emulated) whose head is yolov8n-seg's
// real one (ONNX Runtime on lib/image's letterbox of bus.jpg, given to the fake plan with `data`)
// must give exactly what the CPU backend's detect() gives on the ONNX model: same boxes, scores,
// classes and masks, through the GPU letterbox and the GPU candidate compaction (preprocess 'gpu':
// a fallback to the CPU path would be an error here, not a quiet pass).
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildEngine } from '../../lib/build-engine.js';
import { loadModel } from '../../lib/model.js';
import { IMAGES, MODELS } from '../fixtures.js';
import { clearLog, log, tensorLines, violations, work } from './double.js';
import { dataFile, letterboxed, onnxOutputs, useFakeKernels } from './gpu.js';

useFakeKernels(true);

it('detect() on the engine equals the CPU backend on the ONNX model (bus.jpg, yolov8n-seg 320)', async () => {
  const onnx = join(work, 'yolov8n-seg.onnx');
  symlinkSync(MODELS.seg320(), onnx);
  const out = await onnxOutputs(MODELS.seg320(), [await letterboxed(IMAGES.bus(), 320)], 320);
  writeFileSync(
    `${onnx}.fakenet`,
    tensorLines([
      { name: 'images', io: 'input', dims: [1, 3, 320, 320] },
      { name: 'output0', io: 'output', dims: [1, 116, 2100] },
      { name: 'output1', io: 'output', dims: [1, 32, 80, 80] },
    ]) + `data output0 ${dataFile(out.output0.data)}\ndata output1 ${dataFile(out.output1.data)}\n`,
  );
  const engine = join(work, 'yolov8n-seg.engine');
  await buildEngine({ onnx, output: engine, precision: 'fp16' });
  const cpu = await loadModel(MODELS.seg320());
  const trt = await loadModel(engine, { preprocess: 'gpu' });
  try {
    clearLog();
    const [onEngine] = await trt.detect([IMAGES.bus()]);
    const [onCpu] = await cpu.detect([IMAGES.bus()]);
    expect(onCpu.detections.length).toBeGreaterThan(3);
    expect(onEngine.detections).toEqual(onCpu.detections);
    expect(trt.info.preprocessing).toBe('gpu');
    expect(log()).toEqual(expect.arrayContaining(['CALL cuLaunchKernel yoloe_letterbox', 'CALL cuLaunchKernel yoloe_decode_f32']));
  } finally {
    await trt.dispose();
    await cpu.dispose();
  }
  expect(violations()).toEqual([]);
});
