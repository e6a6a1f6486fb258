// Per-stage latency of the CPU pipeline, measured in one run: image decode, letterbox + pack,
// inference, decode (+ masks); the ratio (pre + post on decoded pixels) / inference is what the
// issue's targets speak of (<= 5% for the 640 detector, <= 10% for the 320 segmenter).
import { CpuBackend } from '../dist/backends/cpu.js';
import { decodeImage } from '../dist/image/decode.js';
import { preprocess } from '../dist/image/index.js';
import { decodeBatch, resolveDecodeOptions } from '../dist/decode/index.js';
import { loadModel } from '../dist/index.js';
import { nativeKernelsAvailable } from '../dist/native/kernels.js';
import { fixture, percentile, table } from './util.mjs';

async function stageTimes(modelPath, imagePath, iterations, masks) {
  const model = await loadModel(modelPath, { backend: 'cpu' });
  const { info } = model;
  await model.dispose();
  const backend = await CpuBackend.create(modelPath, {});
  const decodeOpts = { ...resolveDecodeOptions({}), masks, retina: false };
  const t = { decode: [], pre: [], infer: [], post: [] };
  let detections = 0;
  // the model reuses its input buffers between runs (TensorPool in lib/model.ts): so does the bench
  const [h, w] = info.imgsz;
  const out = info.inputDtype === 'float32' ? new Float32Array(3 * h * w) : new Uint16Array(3 * h * w);
  for (let i = 0; i < iterations + 3; i++) {
    const t0 = performance.now();
    const img = await decodeImage(imagePath);
    const t1 = performance.now();
    const { tensor, geometries } = preprocess([img], w, h, info.inputDtype, { out });
    const t2 = performance.now();
    const outputs = await backend.run({ [info.inputs[0].name]: tensor });
    const t3 = performance.now();
    const [res] = decodeBatch(outputs, info.layout, geometries, info.names, decodeOpts);
    const t4 = performance.now();
    detections = res.detections.length;
    if (i < 3) continue; // warm-up
    t.decode.push(t1 - t0); t.pre.push(t2 - t1); t.infer.push(t3 - t2); t.post.push(t4 - t3);
  }
  await backend.dispose();
  return { t, detections };
}

export async function benchPipeline(iterations = 30) {
  const cases = [
    { name: 'yolov8n_640_fp32 / bus.jpg (detect)', model: fixture('models', 'yolov8n_640_fp32.onnx'), masks: false, target: 0.05 },
    { name: 'yolov8n-seg_320_fp32 / bus.jpg (masks)', model: fixture('models', 'yolov8n-seg_320_fp32.onnx'), masks: true, target: 0.10 },
  ];
  const rows = [];
  const paths = nativeKernelsAvailable() ? ['native', 'ts'] : ['ts'];
  for (const c of cases) for (const kernels of paths) {
    process.env.YOLOE_TRT_KERNELS = kernels;
    const { t, detections } = await stageTimes(c.model, fixture('images', 'bus.jpg'), iterations, c.masks);
    const p50 = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, percentile(v, 50)]));
    const p95 = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, percentile(v, 95)]));
    const ratio = (p50.pre + p50.post) / p50.infer;
    rows.push([c.name, kernels, detections, ...['decode', 'pre', 'infer', 'post'].map((k) => `${p50[k].toFixed(2)} / ${p95[k].toFixed(2)}`), `${(ratio * 100).toFixed(1)}%`, `${(c.target * 100).toFixed(0)}%`, ratio <= c.target ? 'met' : 'MISSED']);
  }
  delete process.env.YOLOE_TRT_KERNELS;
  table('CPU pipeline, ms p50 / p95 per stage; ratio = (letterbox+pack + decode/masks) / inference', ['case', 'kernels', 'dets', 'image decode', 'letterbox+pack', 'inference', 'decode+masks', 'ratio', 'target', ''], rows);
}
