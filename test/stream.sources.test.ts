/**
 * Video sources through ffmpeg, on clips made in set-up from bus.jpg (test/video-clips.ts).
 * Decoded frames are compared with cv2.VideoCapture (Debian python3-opencv, the same libavcodec)
 * on the same files: the same number of frames, and pixel values equal (H.264: max |diff| stated
 * in the test; MJPEG: identical).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../lib/model.js';
import { YoloeTrtError } from '../lib/errors.js';
import { StreamGroup } from '../lib/stream/index.js';
import { createSource } from '../lib/stream/sources.js';
import { resolveStreamOptions } from '../lib/stream/options.js';
import { IMAGES, MODELS } from './fixtures.js';
import { makeClips, type Clips } from './video-clips.js';

let clips: Clips;
let model: Model;

beforeAll(async () => {
  clips = makeClips({ frames: 24 });
  model = await loadModel(MODELS.det640());
}, 60_000);
afterAll(async () => {
  await model?.dispose();
  if (clips) rmSync(clips.dir, { recursive: true, force: true });
});

/** Every frame cv2.VideoCapture returns for a file, RGB, concatenated. */
function cv2Frames(file: string): { count: number; data: Buffer } {
  const out = join(clips.dir, `cv2-${Date.now()}.raw`);
  const script = `
import cv2, sys
cap = cv2.VideoCapture(sys.argv[1]); n = 0
with open(sys.argv[2], 'wb') as f:
    while True:
        ok, bgr = cap.read()
        if not ok: break
        f.write(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).tobytes()); n += 1
print(n)`;
  const count = Number(execFileSync('/usr/bin/python3', ['-c', script, file, out]).toString().trim());
  return { count, data: readFileSync(out) };
}

async function decodeAll(file: string) {
  // decode only, through the source layer the streams use
  const frames: Uint8Array[] = [];
  const source = await createSource(file, resolveStreamOptions({ policy: 'all' }));
  await source.open();
  const meta: { index: number; time: number }[] = [];
  for (;;) {
    await source.buffer.ready();
    const f = await source.buffer.take();
    if (!f) {
      if (source.buffer.done) break;
      continue;
    }
    frames.push(f.image.data);
    meta.push({ index: f.index, time: f.time });
  }
  return { frames, meta, fps: source.fps };
}

describe('ffmpeg sources', () => {
  for (const kind of ['h264', 'mjpeg'] as const) {
    it(`${kind}: every frame, equal to cv2.VideoCapture's`, async () => {
      const ours = await decodeAll(clips[kind]);
      const ref = cv2Frames(clips[kind]);
      expect(ours.frames.length).toBe(clips.frames);
      expect(ref.count).toBe(clips.frames);
      expect(ours.fps).toBe(30);
      expect(ours.meta.map((m) => m.index)).toEqual([...Array(clips.frames).keys()]);
      expect(ours.meta[3]!.time).toBeCloseTo(3 / 30, 12);
      const bytes = clips.width * clips.height * 3;
      let maxDiff = 0;
      let differing = 0;
      ours.frames.forEach((f, i) => {
        expect(f.length).toBe(bytes);
        const r = ref.data.subarray(i * bytes, (i + 1) * bytes);
        for (let k = 0; k < bytes; k++) {
          const d = Math.abs(f[k]! - r[k]!);
          if (d) differing += 1;
          if (d > maxDiff) maxDiff = d;
        }
      });
      // measured: identical for both codecs (same libavcodec and the same yuv->rgb swscale path)
      expect({ maxDiff, differing }).toEqual({ maxDiff: 0, differing: 0 });
    }, 60_000);
  }

  it('ffmpeg missing from PATH: ERR_FFMPEG_NOT_FOUND', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(model.stream(clips.h264).open()).rejects.toMatchObject({ code: 'ERR_FFMPEG_NOT_FOUND', message: expect.stringMatching(/ffmpeg was not found/) });
    } finally {
      process.env.PATH = path;
    }
    process.env.YOLOE_TRT_FFMPEG = '/no/such/ffmpeg';
    try {
      await expect(model.stream(clips.h264).open()).rejects.toMatchObject({ code: 'ERR_FFMPEG_NOT_FOUND', message: expect.stringContaining('/no/such/ffmpeg') });
    } finally {
      delete process.env.YOLOE_TRT_FFMPEG;
    }
  });

  it('a missing file: ERR_FILE_NOT_FOUND naming it; a corrupt file: ERR_SOURCE with ffmpeg\'s reason', async () => {
    await expect(model.stream(join(clips.dir, 'nope.mp4')).open()).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: expect.stringContaining('nope.mp4') });
    const err = await model.stream(clips.corrupt).open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(YoloeTrtError);
    expect(err).toMatchObject({ code: 'ERR_SOURCE', message: expect.stringMatching(/Cannot open video source .*corrupt\.mp4 \(ffmpeg exit 1\): .*(Invalid data|moov atom)/) });
    await expect(model.stream('rtsp://127.0.0.1:1/none', { reconnect: false }).open()).rejects.toMatchObject({ code: 'ERR_SOURCE' });
  });

  it("policy 'all' with a slow consumer: every frame, and the decoder pauses (never more than the buffer ahead)", async () => {
    const stream = model.stream(clips.mjpeg, { policy: 'all', bufferSize: 2, conf: 0.9 });
    let n = 0;
    let maxAhead = 0;
    for await (const r of stream) {
      expect(r.frame).toBe(n++);
      await new Promise((res) => setTimeout(res, 60));
      const s = stream.stats();
      maxAhead = Math.max(maxAhead, s.decoded - s.processed);
    }
    expect(n).toBe(clips.frames);
    expect(stream.stats().dropped).toBe(0);
    // 2 in the buffer, at most 1 more completed from the pipe before the pause took effect
    expect(maxAhead).toBeLessThanOrEqual(3);
  }, 60_000);

  it('tracking lowers the default conf to 0.1 (Ultralytics model.track); an explicit conf stays', () => {
    expect(resolveStreamOptions({ track: 'bytetrack' }).detect.conf).toBe(0.1);
    expect(resolveStreamOptions({ track: true, conf: 0.3 }).detect.conf).toBe(0.3);
    expect(resolveStreamOptions({}).detect.conf).toBeUndefined();
    expect(resolveStreamOptions({ realtime: true }).live).toBe(true);
  });

  it('rejects bad options with the uniform message', () => {
    expect(() => model.stream(clips.h264, { policy: 'newest' as never })).toThrow("Expected one of 'latest', 'all' for policy but received \"newest\"");
    expect(() => model.stream(clips.h264, { scale: { width: 0, height: 10 } })).toThrow(/Expected \{ width, height \} with positive integers for scale/);
    expect(() => model.stream(clips.h264, { reconnect: { minDelayMs: -1 } })).toThrow(/reconnect.minDelayMs/);
  });
});

describe('model.stream', () => {
  it('a file: every frame in order, with index, time and fps; tracked ids stable across the pan', async () => {
    const stream = model.stream(clips.h264, { track: 'bytetrack' });
    const frames = [];
    for await (const r of stream) frames.push(r);
    expect(frames.map((r) => r.frame)).toEqual([...Array(clips.frames).keys()]);
    expect(frames[10]).toMatchObject({ time: 10 / 30, fps: 30, width: 640, height: 480, source: 0 });
    const s = stream.stats();
    expect(s).toMatchObject({ decoded: clips.frames, processed: clips.frames, dropped: 0, ended: true });
    expect(s.latencyMs.p95).toBeGreaterThanOrEqual(s.latencyMs.p50);
    // the two people and the bus stay in view: their ids never change
    const people = frames.map((r) => r.detections.filter((d) => d.label === 'person' && d.score > 0.5).map((d) => (d as { trackId?: number }).trackId).sort());
    expect(people[0]!.length).toBeGreaterThanOrEqual(2);
    for (const ids of people.slice(1)) expect(ids.slice(0, 2)).toEqual(people[0]!.slice(0, 2));
  }, 120_000);

  it("policy 'latest' on a real-time source faster than the consumer: drops counted, nothing queued", async () => {
    const stream = model.stream(clips.h264, { realtime: true });
    let n = 0;
    let last = performance.now();
    let maxPeriod = 0;
    for await (const r of stream) {
      void r;
      n += 1;
      maxPeriod = Math.max(maxPeriod, performance.now() - last);
      // a consumer slower than 30 fps that blocks the JS thread, as ONNX Runtime's CPU run does:
      // the reader thread must keep draining ffmpeg meanwhile
      const until = performance.now() + 150;
      while (performance.now() < until) { /* busy */ }
      last = performance.now();
    }
    const s = stream.stats();
    expect(s.processed).toBe(n);
    expect(s.decoded).toBe(clips.frames); // every frame was decoded in real time, not held back by the consumer
    expect(s.dropped).toBeGreaterThan(clips.frames / 3);
    expect(s.decoded).toBe(s.processed + s.dropped);
    // frames are fresh: decode-to-result stays under one consumer iteration (no queue builds up)
    expect(s.latencyMs.p95).toBeLessThan(maxPeriod + 40);
  }, 60_000);

  it('a folder, a glob and an iterable of raw frames', async () => {
    const dir = join(clips.dir, 'images');
    mkdirSync(dir);
    copyFileSync(IMAGES.bus(), join(dir, 'a.jpg'));
    copyFileSync(IMAGES.zidane(), join(dir, 'b.jpg'));
    const sizes = async (src: Parameters<Model['stream']>[0], opts = {}) => {
      const out = [];
      for await (const r of model.stream(src, opts)) out.push([r.frame, r.width, r.height, r.time]);
      return out;
    };
    expect(await sizes(dir, { fps: 10 })).toEqual([[0, 810, 1080, 0], [1, 1280, 720, 0.1]]);
    expect(await sizes(join(dir, 'b*.jpg'))).toEqual([[0, 1280, 720, 0]]);
    const raw = { data: new Uint8Array(64 * 48 * 3).fill(90), width: 64, height: 48, channels: 3 };
    async function* frames() { for (let i = 0; i < 3; i++) yield raw; }
    expect((await sizes(frames())).map((r) => r[0])).toEqual([0, 1, 2]);
    await expect(sizes(join(dir, '*.png'))).rejects.toMatchObject({ code: 'ERR_SOURCE' });
  }, 60_000);
});

describe('StreamGroup', () => {
  it('two sources through one model: every frame of each, fairly interleaved, per-source stats', async () => {
    const group = new StreamGroup(model, [clips.h264, clips.mjpeg], { track: true });
    const order: number[] = [];
    const perSource: number[][] = [[], []];
    for await (const r of group) {
      order.push(r.source);
      perSource[r.source]!.push(r.frame);
    }
    expect(perSource[0]).toEqual([...Array(clips.frames).keys()]);
    expect(perSource[1]).toEqual([...Array(clips.frames).keys()]);
    // fair: once both sources deliver, they alternate (batch-1 model; a short run only when a decoder had
    // no frame ready at that instant) until the first one ends
    const start = Math.max(order.indexOf(0), order.indexOf(1));
    const end = Math.min(order.lastIndexOf(0), order.lastIndexOf(1));
    expect(start).toBeLessThan(6);
    const middle = order.slice(start, end + 1).join('');
    expect(middle, order.join('')).not.toMatch(/0000|1111/);
    expect((middle.match(/00|11/g) ?? []).length, order.join('')).toBeLessThanOrEqual(4);
    expect(group.stats().map((s) => s.processed)).toEqual([clips.frames, clips.frames]);
  }, 120_000);
});
