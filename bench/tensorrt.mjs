// `npm run bench -- tensorrt <model.engine> [image]`: on a machine with a GPU and TensorRT,
// detect() end to end per image with GPU preprocessing (letterbox + candidate compaction on the
// GPU) and with the CPU letterbox, against the engine's enqueueV3 alone. Timings come from one
// unprofiled pass (wall-clock per detect call); the per-phase split (upload, letterbox, enqueue,
// compact, download) from a second pass with loadEngine's `profile`, whose phases each end with a
// stream synchronize. Without an engine or a usable TensorRT it says so and measures nothing.
import { openTensorRtEngine, tensorRtAvailability } from '../dist/backends/tensorrt.js';
import { detectLayout } from '../dist/decode/index.js';
import { decodeImage } from '../dist/image/decode.js';
import { Model } from '../dist/model.js';
import { resolveModelInfo } from '../dist/model-info.js';
import { fixture, percentile, table } from './util.mjs';

async function openModel(engine, preprocess, profile) {
  const { backend, metadata } = await openTensorRtEngine(engine, { profile });
  const info = resolveModelInfo(engine, { backend, format: 'engine', metadata }, {}, detectLayout);
  return { model: new Model(info, backend, undefined, { preprocess }), backend };
}

async function timeDetect(model, image, runs) {
  const times = [];
  let detections = 0;
  for (let i = 0; i < runs + 10; i++) {
    const t0 = performance.now();
    const [r] = await model.detectDecoded([image]);
    const t1 = performance.now();
    detections = r.detections.length;
    if (i >= 10) times.push(t1 - t0); // the first runs warm the contexts and CUDA graphs up
  }
  return { times, detections };
}

export async function benchTensorRt(engine = process.argv[3], imagePath = process.argv[4], runs = 200) {
  const status = tensorRtAvailability();
  if (!engine || !status.usable) {
    console.log(`bench tensorrt: not measured (${!engine ? 'no engine given: npm run bench -- tensorrt <model.engine> [image]' : status.reason})`);
    return;
  }
  const image = await decodeImage(imagePath ?? fixture('images', 'bus.jpg'));
  const rows = [];
  for (const preprocess of ['gpu', 'cpu']) {
    const plain = await openModel(engine, preprocess, false);
    const { times, detections } = await timeDetect(plain.model, image, runs);
    await plain.model.dispose();
    const profiled = await openModel(engine, preprocess, true);
    await timeDetect(profiled.model, image, 50);
    const phases = profiled.backend.info().stats.phases;
    await profiled.model.dispose();
    const per = (v) => (phases && phases.runs > 0 ? (v / phases.runs).toFixed(3) : 'n/a');
    const p50 = percentile(times, 50);
    rows.push([
      preprocess, detections, p50.toFixed(3), percentile(times, 95).toFixed(3),
      per(phases?.upload ?? 0), per(phases?.letterbox ?? 0), per(phases?.enqueue ?? 0), per(phases?.compact ?? 0), per(phases?.download ?? 0),
      phases && phases.runs > 0 && phases.enqueue > 0 ? (p50 / (phases.enqueue / phases.runs)).toFixed(2) : 'n/a',
    ]);
  }
  table(`detect() on ${engine}, one image (${runs} runs; phases in ms per run from a profiled pass)`,
    ['preprocess', 'detections', 'e2e p50 ms', 'e2e p95 ms', 'upload', 'letterbox', 'enqueueV3', 'compact', 'download', 'e2e / enqueue'], rows);
}
