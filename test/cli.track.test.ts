/**
 * `yoloe-trt track` through the real bin (dist/cli/bin.js, built by `npm run build`), on a clip made
 * in set-up: JSON lines for every frame in order, an annotated video with as many frames, a
 * progress line, typed errors with exit codes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from './fixtures.js';
import { makeClips, type Clips } from './video-clips.js';

const bin = join(import.meta.dirname, '..', 'dist', 'cli', 'bin.js');
let clips: Clips;

beforeAll(() => {
  clips = makeClips({ frames: 20 });
}, 60_000);
afterAll(() => {
  if (clips) rmSync(clips.dir, { recursive: true, force: true });
});

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('yoloe-trt track', () => {
  it('--json: one line per frame, every frame in order, track ids on tracked detections; --out: the annotated video', () => {
    const out = join(clips.dir, 'tracked.mp4');
    writeFileSync(out, 'an older file the user had');
    const r = run(['track', clips.h264, '--model', MODELS.det640(), '--json', '--out', out]);
    expect(r.err).toMatch(/frames 20\/20 100% [\d.]+ fps ETA 0s done/);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.frame)).toEqual([...Array(20).keys()]);
    expect(lines[5]).toMatchObject({ frame: 5, time: 0.166667, width: 640, height: 480 });
    const people = lines.map((l) => l.detections.filter((d: { label: string; trackId?: number }) => d.label === 'person' && d.trackId !== undefined));
    expect(people.every((p) => p.length >= 2)).toBe(true);
    expect(Object.keys(lines[3].detections[0]).sort()).toEqual(['box', 'classId', 'label', 'score', 'trackId']);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,width,height,codec_name', '-of', 'csv=p=0', out]).toString().trim();
    expect(probe).toBe('h264,640,480,20');
  }, 180_000);

  it('--tracker none: detections without ids; bad input: typed errors and exit codes', () => {
    const r = run(['track', clips.mjpeg, '--model', MODELS.det640(), '--json', '--tracker', 'none', '--conf', '0.5']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(20);
    expect(lines.flatMap((l) => l.detections).every((d: { trackId?: number; score: number }) => d.trackId === undefined && d.score > 0.5)).toBe(true);

    const missing = run(['track', join(clips.dir, 'nope.mp4'), '--model', MODELS.det640(), '--json']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/Video source not found: .*nope\.mp4 \[ERR_FILE_NOT_FOUND\]/);
    const corrupt = run(['track', clips.corrupt, '--model', MODELS.det640(), '--json']);
    expect(corrupt.code).toBe(1);
    expect(corrupt.err).toMatch(/\[ERR_SOURCE\]/);
    expect(run(['track', clips.h264, '--model', MODELS.det640(), '--json', '--tracker', 'sort']).err).toMatch(/Expected bytetrack, botsort-lite or none for --tracker but received "sort"/);
    const noOut = join(clips.dir, 'never.mp4');
    expect(run(['track', clips.corrupt, '--model', MODELS.det640(), '--out', noOut]).code).toBe(1);
    expect(existsSync(noOut)).toBe(false);
  }, 180_000);
});
