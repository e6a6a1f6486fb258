// `npm run bench -- tensorrt`: detect() end to end on the TensorRT backend against enqueueV3 alone,
// on a machine with an NVIDIA GPU, TensorRT and Node (prints NOT RUN, with the reason, elsewhere).
//   gpu        detect(): decoded RGB uploaded, letterbox + pack on the GPU, candidates compacted on
//              the GPU, NMS (and masks) on the host            (loadModel preprocess 'gpu')
//   cpu        detect(): CPU letterbox, float input uploaded, whole head downloaded, CPU scan
//                                                              (loadModel preprocess 'cpu')
//   phases     the GPU path's stages from the engine's profile counters (loadEngine profile: true:
//              each stage ended by a stream synchronize), enqueueV3 among them
// Engine: BENCH_TRT_ENGINE=<file>, else built once (fp16) from fixtures/models/yolov8n_640_fp32.onnx
// into a temporary folder. BENCH_TRT_RUNS (default 100) timed runs per image after 10 warm-ups.
// It also runs through the contract double (TENSORRT_LIB_DIR=build/tests/fake-tensorrt, fake libcuda
// and NVRTC, YOLOE_FAKE_KERNELS=1; "Fake GPU" in the title): a check of the script, its times mean nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { fixture, percentile, table } from './util.mjs';

const DIST = process.env.YOLOE_TRT_DIST ? pathToFileURL(join(process.env.YOLOE_TRT_DIST, '/')).href : new URL('../dist/', import.meta.url).href;
const RUNS = Number(process.env.BENCH_TRT_RUNS ?? 100);

async function timed(fn) {
  for (let i = 0; i < 10; i++) await fn();
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    t.push(performance.now() - t0);
  }
  return { p50: percentile(t, 50), p95: percentile(t, 95) };
}

export async function benchTensorRt() {
  const api = await import(new URL('index.js', DIST).href);
  const { decodeImage } = await import(new URL('image/decode.js', DIST).href);
  const { loadAddon } = await import(new URL('native/addon.js', DIST).href);
  const { batchGeometries } = await import(new URL('image/index.js', DIST).href);
  const { compactRequest } = await import(new URL('gpu-preprocessing.js', DIST).href);
  const { resolveDecodeOptions } = await import(new URL('decode/index.js', DIST).href);
  const availability = api.tensorRtAvailability();
  if (!availability.usable) {
    console.log(`bench tensorrt NOT RUN: ${availability.reason}${availability.fix ? ` (${availability.fix})` : ''}`);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-trt-'));
  try {
    let engine = process.env.BENCH_TRT_ENGINE;
    if (!engine) {
      engine = join(dir, 'yolov8n_640_fp16.engine');
      const t0 = performance.now();
      await api.buildEngine({ onnx: fixture('models', 'yolov8n_640_fp32.onnx'), output: engine, precision: 'fp16' });
      console.log(`built ${engine} in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const images = await Promise.all(['bus.jpg', 'zidane.jpg'].map((f) => decodeImage(fixture('images', f))));
    const rows = [];
    const counts = {};
    let trtGpu = 'GPU 0';
    let info;
    for (const preprocess of ['gpu', 'cpu']) {
      const model = await api.loadModel(engine, { backend: 'tensorrt', preprocess });
      info = model.info;
      try {
        for (const [k, image] of images.entries()) {
          const name = k === 0 ? 'bus.jpg 810x1080' : 'zidane.jpg 1280x720';
          const r = await timed(() => model.detectDecoded([image]));
          counts[`${preprocess} ${name}`] = (await model.detectDecoded([image]))[0].detections.length;
          rows.push([`detect (${preprocess} path)`, name, r.p50.toFixed(2), r.p95.toFixed(2)]);
        }
      } finally {
        await model.dispose();
      }
    }
    // enqueueV3 alone, and the GPU path's other stages, from the native profile counters
    const trt = loadAddon().binding.tensorrt;
    const handle = await trt.loadEngine(engine, { profile: true, planOffset: (await api.readEngineHeader(engine)).planOffset });
    try {
      trtGpu = trt.engineInfo(handle).gpu?.name ?? trtGpu;
      // the geometry and the compaction detect() asks for (lib/image, lib/gpu-preprocessing), at its defaults
      const [H, W] = info.imgsz;
      for (const [k, image] of images.entries()) {
        const [g] = batchGeometries([image], W, H, { stride: info.stride });
        const batch = {
          images: [{ data: image.data, width: image.width, height: image.height, newWidth: g.newWidth, newHeight: g.newHeight, left: g.left, top: g.top }],
          inputWidth: g.dstWidth,
          inputHeight: g.dstHeight,
          imageInput: info.imageInput,
        };
        const compact = compactRequest(info.layout, resolveDecodeOptions({}), g.dstWidth, g.dstHeight);
        if (compact) batch.compact = compact;
        const before = trt.engineInfo(handle).stats.phases;
        await timed(() => trt.inferImages(handle, batch));
        const after = trt.engineInfo(handle).stats.phases;
        const runs = after.runs - before.runs;
        const per = (key) => ((after[key] - before[key]) / runs).toFixed(3);
        const name = k === 0 ? 'bus.jpg 810x1080' : 'zidane.jpg 1280x720';
        for (const key of ['upload', 'letterbox', 'enqueue', 'compact', 'download']) rows.push([`  phase ${key}${key === 'enqueue' ? ' (enqueueV3 alone)' : ''}`, name, per(key), '-']);
      }
    } finally {
      trt.releaseEngine(handle);
    }
    table(
      `TensorRT ${availability.probe?.version ?? '?'} on ${trtGpu}: detect() end to end vs enqueueV3 alone, ms (${RUNS} runs, p50/p95; phases are means with a synchronize after each stage). Detections: ${JSON.stringify(counts)}`,
      ['what', 'image', 'p50 ms', 'p95 ms'],
      rows,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
