// `npm run bench -- stream`: 1080p H.264 -> results through model.stream(), frames per second on this
// CPU for yolov8n 640 and yolov8n-seg 320, with and without ByteTrack, and the share of the time that
// decoding (ffmpeg -> RGB on the pipe), letterbox+pack, inference, post-processing (decode + masks)
// and tracking take, each measured on its own over the same frames in the same run.
// `npm run bench -- stream-live [seconds]`: a live source faster than the model (the clip read in
// real time, looped) at the default 'latest' policy for N seconds (default 600): memory, drops and
// latency sampled every 10 s.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CpuBackend } from '../dist/backends/cpu.js';
import { preprocess } from '../dist/image/index.js';
import { decodeBatch, resolveDecodeOptions } from '../dist/decode/index.js';
import { loadModel } from '../dist/index.js';
import { FrameTracker, resolveTrackerOptions } from '../dist/track/index.js';
import { createSource } from '../dist/stream/sources.js';
import { resolveStreamOptions } from '../dist/stream/options.js';
import { fixture, percentile, table } from './util.mjs';

function makeClip(dir, frames) {
  const file = join(dir, 'pan1080.mp4');
  execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-framerate', '30', '-i', fixture('images', 'bus.jpg'),
    '-vf', "scale=2592:3456,crop=2592:1944:0:840,zoompan=z='1.25+0.004*on':x='120+6*on':y='80+4*on':d=1:s=1920x1080:fps=30,setsar=1",
    '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', file]);
  return file;
}

async function decodeOnly(file) {
  const source = await createSource(file, resolveStreamOptions({ policy: 'all' }));
  const t0 = performance.now();
  await source.open();
  const frames = [];
  for (;;) {
    await source.buffer.ready();
    const f = await source.buffer.take();
    if (f) frames.push(f.image);
    else if (source.buffer.done) break;
  }
  return { frames, ms: (performance.now() - t0) / frames.length };
}

async function stages(modelPath, frames, masks) {
  const model = await loadModel(modelPath, { backend: 'cpu' });
  const { info } = model;
  await model.dispose();
  const backend = await CpuBackend.create(modelPath, {});
  const decodeOpts = { ...resolveDecodeOptions({ conf: 0.1 }), masks, retina: false };
  const tracker = new FrameTracker(resolveTrackerOptions('bytetrack', {}));
  const [h, w] = info.imgsz;
  const out = new Float32Array(3 * h * w);
  const t = { pre: [], infer: [], post: [], track: [] };
  for (const [i, img] of frames.entries()) {
    const t0 = performance.now();
    const { tensor, geometries } = preprocess([img], w, h, info.inputDtype, { out });
    const t1 = performance.now();
    const outputs = await backend.run({ [info.inputs[0].name]: tensor });
    const t2 = performance.now();
    const [res] = decodeBatch(outputs, info.layout, geometries, info.names, decodeOpts);
    if (masks) for (const d of res.detections) void d.mask?.data; // masks are built lazily: count building them
    const t3 = performance.now();
    tracker.apply(res);
    const t4 = performance.now();
    if (i < 2) continue;
    t.pre.push(t1 - t0); t.infer.push(t2 - t1); t.post.push(t3 - t2); t.track.push(t4 - t3);
  }
  await backend.dispose();
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, percentile(v, 50)]));
}

async function endToEnd(modelPath, file, track, masks) {
  const model = await loadModel(modelPath, { backend: 'cpu' });
  const t0 = performance.now();
  let n = 0;
  const stream = model.stream(file, { track: track ? 'bytetrack' : false, masks });
  for await (const r of stream) {
    if (masks) for (const d of r.detections) void d.mask?.data;
    n += 1;
  }
  const s = stream.stats();
  await model.dispose();
  return { fps: (n * 1000) / (performance.now() - t0), frames: n, p50: s.latencyMs.p50, p95: s.latencyMs.p95 };
}

export async function benchStream(frameCount = 60) {
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-stream-'));
  try {
    const file = makeClip(dir, frameCount);
    const { frames, ms: decodeMs } = await decodeOnly(file);
    const cases = [
      { name: 'yolov8n 640 (detect)', model: fixture('models', 'yolov8n_640_fp32.onnx'), masks: false },
      { name: 'yolov8n-seg 320 (masks)', model: fixture('models', 'yolov8n-seg_320_fp32.onnx'), masks: true },
    ];
    const rows = [];
    const shares = [];
    for (const c of cases) {
      for (const track of [false, true]) {
        const r = await endToEnd(c.model, file, track, c.masks);
        rows.push([c.name, track ? 'bytetrack' : 'off', r.frames, r.fps.toFixed(2), r.p50.toFixed(0), r.p95.toFixed(0)]);
      }
      const s = await stages(c.model, frames, c.masks);
      const total = decodeMs + s.pre + s.infer + s.post + s.track;
      const pct = (v) => `${v.toFixed(2)} (${((100 * v) / total).toFixed(1)}%)`;
      shares.push([c.name, pct(decodeMs), pct(s.pre), pct(s.infer), pct(s.post), pct(s.track)]);
    }
    table(`1080p H.264 (${frameCount} frames, slow pan over bus.jpg) -> model.stream(), CPU backend, policy 'all'`, ['model', 'tracking', 'frames', 'fps', 'latency p50 ms', 'p95 ms'], rows);
    table('time per frame, ms p50 (share); decode = ffmpeg to RGB on the pipe, a separate process running alongside the model', ['model', 'decode', 'letterbox+pack', 'inference', 'decode+masks', 'tracking'], shares);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchStreamLive(seconds = 600) {
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-live-'));
  try {
    const file = makeClip(dir, 90);
    const model = await loadModel(fixture('models', 'yolov8n_640_fp32.onnx'), { backend: 'cpu' });
    const stream = model.stream(file, { realtime: true, loop: true, track: 'bytetrack' });
    const rows = [];
    const t0 = performance.now();
    let next = 10;
    for await (const r of stream) {
      void r;
      const elapsed = (performance.now() - t0) / 1000;
      if (elapsed >= next) {
        next += 10;
        global.gc?.();
        const s = stream.stats();
        const m = process.memoryUsage();
        rows.push([elapsed.toFixed(0), s.decoded, s.processed, s.dropped, s.fps.toFixed(1), s.latencyMs.p50.toFixed(0), s.latencyMs.p95.toFixed(0), (m.rss / 2 ** 20).toFixed(0), (m.heapUsed / 2 ** 20).toFixed(1), (m.arrayBuffers / 2 ** 20).toFixed(1)]);
        console.log(rows.at(-1).join(' '));
        if (elapsed >= seconds) break;
      }
    }
    stream.close();
    await model.dispose();
    table(`live source (1080p at 30 fps, read in real time, looped) faster than yolov8n 640 on the CPU, policy 'latest', ${seconds} s`, ['s', 'decoded', 'processed', 'dropped', 'fps', 'latency p50 ms', 'p95 ms', 'rss MiB', 'heap MiB', 'buffers MiB'], rows);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
