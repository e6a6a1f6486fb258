// TensorRT on a GPU: end-to-end latency of one image against enqueueV3 alone, per path.
//   npm run bench -- tensorrt [engine]      (an engine or raw plan for this GPU; default: yolov8n 640
//                                            fp16 built once from the shared fixture into a temp folder)
// Paths: `host` = lib/image letterbox on the CPU + infer() (every output copied back), `gpu` =
// inferImages (pixels uploaded, letterboxed on the GPU), `gpu+compact` = inferImages with the decode
// kernel compacting the head (only candidates and mask coefficients come back). End-to-end is the
// median wall time of the binding call on an engine loaded without profiling; the phases come from a
// second handle loaded with { profile: true } (each phase ended by a stream synchronize). Where no
// TensorRT GPU is usable it prints NOT RUN and why.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensorRtAvailability } from '../dist/backends/tensorrt.js';
import { readEngineHeader } from '../dist/backends/engine-file.js';
import { buildEngine } from '../dist/build-engine.js';
import { decodeImage } from '../dist/image/decode.js';
import { letterboxGeometry } from '../dist/image/letterbox.js';
import { letterboxInto } from '../dist/image/pack.js';
import { fixture, percentile, table } from './util.mjs';

const RUNS = Number(process.env.YOLOE_TRT_BENCH_RUNS ?? 100);

async function median(fn) {
  for (let i = 0; i < 10; i++) await fn(); // warm-up: lazy TensorRT init, kernel module load
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return percentile(times, 50);
}

/** The engine's image input ([N, 3, H, W]) and raw head ([B, 4 + nc + nm, N]), nm = 32 when protos exist. */
function layout(info) {
  const image = info.inputs.find((t) => t.dims.length === 4);
  const head = info.outputs.find((t) => t.dims.length === 3);
  if (!image || !head) throw new Error('the engine has no [N, 3, H, W] input or no [B, C, N] head');
  const nm = info.outputs.some((t) => t.dims.length === 4) ? 32 : 0;
  return { image, head, nm, nc: head.dims[1] - 4 - nm };
}

export async function benchTensorRt(enginePath = process.env.YOLOE_TRT_BENCH_ENGINE) {
  const available = tensorRtAvailability();
  if (!available.usable) {
    console.log(`bench tensorrt NOT RUN: ${available.reason}`);
    return;
  }
  const trt = available.binding;
  if (!enginePath) {
    enginePath = join(mkdtempSync(join(tmpdir(), 'yoloe-bench-trt-')), 'yolov8n_640_fp16.engine');
    console.log(`building ${enginePath} from the yolov8n 640 fixture (fp16)...`);
    await buildEngine({ onnx: fixture('models', 'yolov8n_640_fp32.onnx'), output: enginePath, precision: 'fp16' });
  }
  const { planOffset } = readEngineHeader(enginePath);
  const plain = await trt.loadEngine(enginePath, { planOffset, maxContexts: 1 });
  const profiled = await trt.loadEngine(enginePath, { planOffset, maxContexts: 1, profile: true });
  const { image, head, nm, nc } = layout(trt.engineInfo(plain));
  const H = image.dims[2] > 0 ? image.dims[2] : 640;
  const W = image.dims[3] > 0 ? image.dims[3] : 640;
  const bus = await decodeImage(fixture('images', 'bus.jpg'));
  const g = letterboxGeometry(bus.width, bus.height, W, H);
  const fp16 = image.dtype === 'float16';
  const tensor = fp16 ? new Uint16Array(3 * H * W) : new Float32Array(3 * H * W);
  const batch = (compact) => ({
    images: [{ data: bus.data, width: bus.width, height: bus.height, newWidth: g.newWidth, newHeight: g.newHeight, left: g.left, top: g.top }],
    inputWidth: W,
    inputHeight: H,
    ...(compact && { compact: { output: head.name, nc, nm, conf: 0.25, multiLabel: false, capacity: 8400 } }),
  });
  const paths = {
    host: (h) => {
      letterboxInto(bus, g, tensor);
      return trt.infer(h, [{ name: image.name, dims: [1, 3, H, W], data: tensor }]);
    },
    gpu: (h) => trt.inferImages(h, batch(false)),
    'gpu+compact': (h) => trt.inferImages(h, batch(true)),
  };
  const rows = [];
  for (const [name, run] of Object.entries(paths)) {
    const endToEnd = await median(() => run(plain));
    const before = { ...(trt.engineInfo(profiled).stats.phases ?? {}) };
    await median(() => run(profiled));
    const after = trt.engineInfo(profiled).stats.phases ?? {};
    const runs = (after.runs ?? 0) - (before.runs ?? 0);
    const per = (key) => (runs > 0 ? (after[key] - (before[key] ?? 0)) / runs : NaN);
    const fmt = (v) => (Number.isNaN(v) ? '-' : v.toFixed(3));
    // infer() is not profiled (phases cover inferImages): its enqueue column is the gpu path's
    const enqueue = per('enqueue');
    rows.push([name, endToEnd.toFixed(3), fmt(per('upload')), fmt(per('letterbox')), fmt(enqueue), fmt(per('compact')), fmt(per('download')),
      Number.isNaN(enqueue) ? '-' : (endToEnd / enqueue).toFixed(2)]);
  }
  const gpuEnqueue = Number(rows[1][4]);
  if (!Number.isNaN(gpuEnqueue)) rows[0][7] = (Number(rows[0][1]) / gpuEnqueue).toFixed(2);
  const info = trt.engineInfo(plain);
  table(`TensorRT ${info.tensorrtVersion} on ${info.gpu.name}, ${enginePath} (${image.dtype} input ${W}x${H}, head ${head.name} ${head.dims.join('x')}), median of ${RUNS} runs, ms`,
    ['path', 'end-to-end', 'upload', 'letterbox', 'enqueueV3', 'compact', 'download', 'end-to-end / enqueueV3'], rows);
  trt.releaseEngine(plain);
  trt.releaseEngine(profiled);
}
