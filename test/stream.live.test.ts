/**
 * A live HTTP source served by a real ffmpeg (-listen 1, MPEG-TS at the clip's native rate):
 * killing the server ends the stream cleanly without `reconnect`, and with it the stream reopens
 * with back-off and goes on (frame indices keep counting).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../lib/model.js';
import { MODELS } from './fixtures.js';
import { freePort } from './free-port.js';
import { makeClips, type Clips } from './video-clips.js';

let clips: Clips;
let model: Model;
const servers: ChildProcess[] = [];

beforeAll(async () => {
  clips = makeClips({ frames: 30, width: 320, height: 240 });
  model = await loadModel(MODELS.seg320());
}, 60_000);
afterAll(async () => {
  for (const s of servers) s.kill('SIGKILL');
  await model?.dispose();
  if (clips) rmSync(clips.dir, { recursive: true, force: true });
});

/** ffmpeg serving the clip in a loop, in real time, to one HTTP client. */
function serve(port: number): ChildProcess {
  const p = spawn('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clips.h264, '-c', 'copy', '-f', 'mpegts', '-listen', '1', `http://127.0.0.1:${port}/cam`], { stdio: 'ignore' });
  servers.push(p);
  return p;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live source', () => {
  it('server killed, no reconnect: the stream ends cleanly, the reason in its stats', async () => {
    const port = await freePort();
    const server = serve(port);
    await sleep(300);
    const stream = model.stream(`http://127.0.0.1:${port}/cam`, { masks: false });
    let n = 0;
    for await (const r of stream) {
      expect(r.width).toBe(320);
      if (++n === 5) server.kill('SIGKILL');
    }
    expect(n).toBeGreaterThanOrEqual(5);
    expect(stream.stats()).toMatchObject({ ended: true, reconnects: 0 });
  }, 60_000);

  it('server killed and restarted, reconnect on: the stream reopens and goes on', async () => {
    const port = await freePort();
    let server = serve(port);
    await sleep(300);
    const stream = model.stream(`http://127.0.0.1:${port}/cam`, { masks: false, reconnect: { minDelayMs: 100, maxDelayMs: 400 } });
    const frames: number[] = [];
    let restartedAt = -1;
    for await (const r of stream) {
      frames.push(r.frame);
      if (frames.length === 5) {
        server.kill('SIGKILL');
        restartedAt = frames.length;
        setTimeout(() => { server = serve(port); }, 700); // down for a while: at least one failed reopen
      }
      if (restartedAt > 0 && stream.stats().reconnects > 0 && frames.length >= restartedAt + 5) break;
    }
    const s = stream.stats();
    expect(s.reconnects).toBeGreaterThanOrEqual(1);
    expect(frames.length).toBeGreaterThanOrEqual(10);
    // indices keep counting across the reconnect, strictly increasing
    for (let i = 1; i < frames.length; i++) expect(frames[i]!).toBeGreaterThan(frames[i - 1]!);
    expect(s.decoded - s.processed - s.dropped).toBeLessThanOrEqual(1); // 'latest' holds at most one frame
  }, 90_000);
});
