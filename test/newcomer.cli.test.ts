// Issue 11 through the real `bin` (dist/cli/bin.js, built by `npm run build`): a CLI batch with
// bad images survives them, outputs never collide or overwrite, file-system mistakes are typed,
// unknown flags get a suggestion, doctor's text says what --json says. Never a stack trace.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeModel, node, valueInfo } from '../lib/onnx/build.js';
import { writeOnnx } from '../lib/onnx/index.js';
import { IMAGES, MODELS } from './fixtures.js';

const BIN = resolve(import.meta.dirname, '..', 'dist', 'cli', 'bin.js');
const tmp = mkdtempSync(join(tmpdir(), 'yoloe-newcomer-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Runs the installed command as a user would; never throws. */
function bin(args: string[], cwd = tmp): Promise<{ code: number; out: string; err: string }> {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run npm run build first`);
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, timeout: 100_000, maxBuffer: 64 * 2 ** 20 }, (error, out, err) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out, err });
    });
  });
}

/** No user mistake may print a stack trace or exit 70 (internal error). */
function noStack(r: { code: number; err: string; out: string }) {
  expect(r.code).not.toBe(70);
  expect(`${r.out}${r.err}`).not.toMatch(/\n\s+at .+:\d+:\d+/);
  expect(r.err).not.toContain('unexpected error');
}

const truncatedJpeg = () => {
  const path = join(tmp, 'truncated.jpg');
  writeFileSync(path, readFileSync(IMAGES.bus()).subarray(0, 20000));
  return path;
};

describe('detect: a batch with bad images in the middle', () => {
  it('--json prints every record, one error record per bad image, and exits 1 at the end', async () => {
    const bad = truncatedJpeg();
    const r = await bin(['detect', IMAGES.bus(), bad, join(tmp, 'missing.jpg'), IMAGES.zidane(), '--model', MODELS.det640(), '--json']);
    noStack(r);
    expect(r.code).toBe(1);
    const records = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((x) => x.image)).toEqual([IMAGES.bus(), bad, join(tmp, 'missing.jpg'), IMAGES.zidane()]);
    expect(records[1]).toEqual({ image: bad, error: { code: 'ERR_IMAGE_DECODE', message: expect.stringContaining(bad) } });
    expect(records[2].error.code).toBe('ERR_FILE_NOT_FOUND');
    expect(records[0].detections).toHaveLength(5);
    expect(records[3].detections.map((d: { label: string }) => d.label).sort()).toEqual(['person', 'person', 'tie']);
    expect(r.err).toContain('2 of 4 images failed');
  });

  it('--out writes every good image and results.json with the error records', async () => {
    const bad = truncatedJpeg();
    const out = join(tmp, 'batch-out');
    const r = await bin(['detect', IMAGES.bus(), bad, IMAGES.zidane(), '--model', MODELS.det640(), '--out', out]);
    noStack(r);
    expect(r.code).toBe(1);
    expect(readdirSync(out).sort()).toEqual(['bus.jpg', 'results.json', 'zidane.jpg']);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(results.map((x: { image: string }) => x.image)).toEqual([IMAGES.bus(), bad, IMAGES.zidane()]);
    expect(results[1].error.code).toBe('ERR_IMAGE_DECODE');
    expect(results[2].detections.length).toBe(3);
    expect(r.out).toMatch(/truncated\.jpg: FAILED .*\[ERR_IMAGE_DECODE\]/);
  });

  it('a FIFO and a folder among the images are error records, not a hang or a stack', async () => {
    const fifo = join(tmp, 'fifo.jpg');
    execFileSync('mkfifo', [fifo]);
    const r = await bin(['detect', fifo, IMAGES.bus(), '/dev/zero', '--model', MODELS.det640(), '--json']);
    noStack(r);
    expect(r.code).toBe(1);
    const records = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0].error.code).toBe('ERR_NOT_A_FILE');
    expect(records[2].error).toEqual({ code: 'ERR_NOT_A_FILE', message: 'The image path /dev/zero is not a regular file (a device, FIFO or socket)' });
    expect(records[1].detections).toHaveLength(5);
  });
});

describe('detect: outputs', () => {
  it('equal basenames get unique names; .png stays PNG, .jpg stays JPEG', async () => {
    const dir = join(tmp, 'names');
    for (const d of ['a', 'b']) {
      mkdirSync(join(dir, d), { recursive: true });
      copyFileSync(IMAGES.bus(), join(dir, d, 'x.jpg'));
    }
    const png = join(dir, 'x.png');
    execFileSync(process.execPath, ['-e', `require('sharp')(${JSON.stringify(IMAGES.zidane())}).png().toFile(${JSON.stringify(png)})`], { cwd: resolve(import.meta.dirname, '..') });
    const out = join(dir, 'out');
    const r = await bin(['detect', join(dir, 'a', 'x.jpg'), join(dir, 'b', 'x.jpg'), png, '--model', MODELS.det640(), '--out', out]);
    noStack(r);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['results.json', 'x-2.jpg', 'x.jpg', 'x.png']);
    const magic = (f: string) => readFileSync(join(out, f)).subarray(0, 4).toString('hex');
    expect(magic('x.jpg').startsWith('ffd8')).toBe(true);
    expect(magic('x-2.jpg').startsWith('ffd8')).toBe(true);
    expect(magic('x.png')).toBe('89504e47');
    expect(r.out).toContain(`${join(dir, 'b', 'x.jpg')}: `);
    expect(r.out).toContain(`-> ${join(out, 'x-2.jpg')}`);
  });

  it('accepts folders and globs as demo --images and quantize --calib do', async () => {
    const dir = join(tmp, 'folder');
    mkdirSync(dir);
    copyFileSync(IMAGES.bus(), join(dir, 'bus.jpg'));
    copyFileSync(IMAGES.zidane(), join(dir, 'zidane.jpg'));
    writeFileSync(join(dir, 'readme.txt'), 'not an image');
    const folder = await bin(['detect', dir, '--model', MODELS.det640(), '--json']);
    expect(folder.code).toBe(0);
    expect(folder.out.trim().split('\n').map((l) => JSON.parse(l).image)).toEqual([join(dir, 'bus.jpg'), join(dir, 'zidane.jpg')]);
    const glob = await bin(['detect', 'folder/z*.jpg', '--model', MODELS.det640(), '--json']);
    expect(glob.code).toBe(0);
    expect(JSON.parse(glob.out).image).toBe(join('folder', 'zidane.jpg'));
    const none = await bin(['detect', 'folder/*.webp', '--model', MODELS.det640(), '--json']);
    noStack(none);
    expect(none.code).toBe(1);
    expect(none.err).toContain('No images match folder/*.webp');
  });

  it('--out naming a file, or a path under one, is ERR_FILE_WRITE before the model loads', async () => {
    const file = join(tmp, 'a-file');
    writeFileSync(file, 'keep me');
    for (const out of [file, join(file, 'sub')]) {
      const r = await bin(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--out', out]);
      noStack(r);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`Cannot use ${out} as the output folder`);
      expect(r.err).toContain('[ERR_FILE_WRITE]');
    }
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('a folder as the model says it is a folder', async () => {
    const r = await bin(['detect', IMAGES.bus(), '--model', tmp]);
    noStack(r);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`The model path ${tmp} is a folder, not a file [ERR_NOT_A_FILE]`);
  });
});

describe('usage errors', () => {
  it('an unknown flag exits 2 with the flag meant', async () => {
    const r = await bin(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--max_det', '3']);
    noStack(r);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Unknown option --max_det (did you mean --max-det?)');
    const q = await bin(['quantize', MODELS.det640(), '--calibration', 'x']);
    expect(q.code).toBe(2);
    expect(q.err).toContain('did you mean --calib');
  });

  it('demo --images /nonexistent is ERR_FILE_NOT_FOUND, exit 1', async () => {
    const r = await bin(['demo', '--images', '/nonexistent', '--out', join(tmp, 'demo')]);
    noStack(r);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Image folder not found: /nonexistent [ERR_FILE_NOT_FOUND]');
  });
});

describe('quantize: nothing lost, nothing overwritten', () => {
  const calib = () => {
    const dir = join(tmp, 'calib');
    mkdirSync(dir, { recursive: true });
    copyFileSync(IMAGES.bus(), join(dir, 'bus.jpg'));
    return dir;
  };

  it('--out equal to the model (also spelled differently) is refused and the model is untouched', async () => {
    const model = join(tmp, 'c.onnx');
    copyFileSync(MODELS.det640(), model);
    const before = statSync(model);
    for (const out of ['c.onnx', './c.onnx', model]) {
      const r = await bin(['quantize', 'c.onnx', '--calib', calib(), '--out', out]);
      noStack(r);
      expect(r.code).toBe(1);
      expect(r.err).toContain('it is the input c.onnx');
    }
    expect(statSync(model).mtimeMs).toBe(before.mtimeMs);
    expect(readFileSync(model).equals(readFileSync(MODELS.det640()))).toBe(true);
  });

  it('--out in a missing folder fails before calibrating', async () => {
    const t0 = Date.now();
    const r = await bin(['quantize', MODELS.det640(), '--calib', calib(), '--out', '/missing/dir/x.onnx']);
    noStack(r);
    expect(r.code).toBe(1);
    expect(r.err).toContain('Cannot write --out /missing/dir/x.onnx: the folder /missing/dir does not exist [ERR_FILE_WRITE]');
    expect(r.err).not.toContain('calibrating');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('a model that is no YOLO head fails with ERR_MODEL_LAYOUT and leaves no file', async () => {
    const g = join(tmp, 'g.onnx');
    writeFileSync(g, writeOnnx(makeModel({ nodes: [node('Relu', ['images'], ['out'])], inputs: [valueInfo('images', 'float32', [1, 3, 64, 64])], outputs: [valueInfo('out', 'float32', [1, 3, 64, 64])] })));
    const out = join(tmp, 'g-out');
    mkdirSync(out);
    const r = await bin(['quantize', g, '--calib', calib(), '--out', join(out, 'g.int8.onnx')]);
    noStack(r);
    expect(r.code).toBe(1);
    expect(r.err).toContain('[ERR_MODEL_LAYOUT]');
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('doctor', () => {
  it('the text carries the same reasons and fixes as --json', async () => {
    const text = await bin(['doctor']);
    const json = await bin(['doctor', '--json']);
    expect(text.code).toBe(0);
    const report = JSON.parse(json.out);
    for (const b of Object.values(report.backends) as { usable: boolean; reason?: string; fix?: string }[]) {
      if (b.usable) continue;
      expect(text.out).toContain(b.reason!);
      expect(text.out).toContain(`fix: ${b.fix}`);
    }
    if (report.tensorrt.fix) expect(text.out).toContain(`fix: ${report.tensorrt.fix}`);
    if (!report.tensorrt.compiled) {
      // built without the headers: installing TensorRT would not help, rebuilding would
      expect(report.backends.tensorrt.fix).toContain('rebuild');
      expect(text.out).not.toMatch(/Install TensorRT 10 or 11/);
    }
  });
});
