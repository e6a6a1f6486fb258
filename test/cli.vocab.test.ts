import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../lib/index.js';
import { fixture, IMAGES, MODELS } from './fixtures.js';
import { YOLOE, oneHot } from './vocab.helpers.js';

/** The run-time-vocabulary flags of the CLI, through the real bin (dist/, built by `npm run build`). */
const BIN = join(import.meta.dirname, '..', 'dist', 'cli', 'bin.js');

function bin(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

/** one JSON record per image, boxes/scores as the CLI rounds them */
const records = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as { detections: { label: string; classId: number; score: number; box: number[] }[] });

/** .npy v1 writer for float32 arrays (the format np.save writes) */
function npy(shape: number[], data: Float32Array): Buffer {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

const tmp = mkdtempSync(join(tmpdir(), 'yoloe-cli-vocab-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('yoloe-trt detect / inspect with run-time vocabularies (real bin)', () => {
  let fusedBus: { label: string; classId: number; score: number; box: number[] }[];
  beforeAll(async () => {
    expect(existsSync(BIN), `${BIN} is missing: run npm run build first`).toBe(true);
    const fused = await bin(['detect', IMAGES.bus(), '--model', YOLOE.fused(), '--json']);
    expect(fused.code, fused.err).toBe(0);
    fusedBus = records(fused.out)[0]!.detections;
  });

  it('inspect shows the vocabulary kind of fixed, run-time and prompt-free models', async () => {
    const rt = await bin(['inspect', YOLOE.randomRuntime()]);
    expect(rt.code, rt.err).toBe(0);
    expect(rt.out).toMatch(/vocabulary runtime \(class_embeddings \[1, K, 512\], K 1\.\.any; text encoder text-encoder_mobileclip-b-2layer_random\.onnx, adapter yoloe-v8n-seg_random-text_text-adapter\.onnx\)/);
    const fixed = await bin(['inspect', MODELS.seg320()]);
    expect(fixed.out).toMatch(/vocabulary fixed/);
    const pf = await bin(['inspect', YOLOE.promptFreeRandom()]);
    expect(pf.out).toMatch(/vocabulary prompt-free/);
    expect(pf.out).toMatch(/classes {3}4585: 3D CG rendering/);
    const json = await bin(['inspect', YOLOE.runtime(), '--json']);
    expect(JSON.parse(json.out).vocabulary).toMatchObject({ kind: 'runtime', embedDim: 512, embeddingsInput: 'class_embeddings' });
  });

  it('--embeddings JSON with names gives the fused model\'s person and bus detections, ids remapped', async () => {
    const file = join(tmp, 'person-bus.json');
    writeFileSync(file, JSON.stringify({ names: ['person', 'bus'], embeddings: [Array.from(oneHot([0])), Array.from(oneHot([5]))] }));
    const r = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', file, '--json']);
    expect(r.code, r.err).toBe(0);
    const want = fusedBus.filter((d) => d.label === 'person' || d.label === 'bus').map((d) => ({ ...d, classId: d.label === 'bus' ? 1 : 0 }));
    expect(records(r.out)[0]!.detections).toEqual(want);
    expect(want.length).toBe(4);
  });

  it('--embeddings .npy [1, K, D] with --names FILE, and [K, D] with --prompts', async () => {
    const all = join(tmp, 'coco.npy');
    writeFileSync(all, npy([1, 80, 512], oneHot(Array.from({ length: 80 }, (_, k) => k))));
    const namesFile = join(tmp, 'coco.names');
    const names = (await loadModel(MODELS.seg320(), { backend: 'cpu' }).then(async (m) => { const n = m.info.names; await m.dispose(); return n; }));
    writeFileSync(namesFile, `${names.join('\n')}\n`);
    const r = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', all, '--names', namesFile, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(records(r.out)[0]!.detections).toEqual(fusedBus);
    const two = join(tmp, 'bus-person.npy');
    writeFileSync(two, npy([2, 512], oneHot([5, 0])));
    const p = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', two, '--prompts', 'a bus, a person', '--json']);
    expect(p.code, p.err).toBe(0);
    expect(records(p.out)[0]!.detections.map((d) => [d.label, d.classId])).toEqual([['a bus', 0], ['a person', 1], ['a person', 1], ['a person', 1]]);
  });

  it('--prompts with --text-encoder and --adapter embeds the prompts in Node and matches the fork\'s fused reference', async () => {
    const r = await bin(['detect', IMAGES.bus(), '--model', YOLOE.randomRuntime(), '--prompts', 'person,bus', '--text-encoder', YOLOE.textEncoder(), '--adapter', YOLOE.adapter(), '--vocab', fixture('clip', 'bpe_simple_vocab_16e6.txt.gz'), '--json']);
    expect(r.code, r.err).toBe(0);
    const got = records(r.out)[0]!.detections;
    const index = JSON.parse(readFileSync(YOLOE.reference('index.json'), 'utf8')) as { lists: { dir: string; checks: Record<string, { name: string }[]> }[] };
    const fork = index.lists.find((l) => l.dir === 'L1_person-bus')!.checks['detections_fused_conf0.25_iou0.7']!;
    expect(got).toHaveLength(fork.length);
    expect(got.map((d) => d.label)).toEqual(fork.map((d) => d.name));
  });

  it('user mistakes are typed errors with exit codes, no stack traces', async () => {
    const none = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--json']);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/takes its classes at run time: give --prompts/);
    const noEncoder = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--prompts', 'person', '--json']);
    expect(noEncoder.err).toMatch(/need a text encoder/);
    const noNames = join(tmp, 'one.npy');
    writeFileSync(noNames, npy([1, 512], oneHot([0])));
    const npyOnly = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', noNames]);
    expect(npyOnly.code).toBe(2);
    expect(npyOnly.err).toMatch(/Expected --names FILE or --prompts with --embeddings/);
    const wrongDim = join(tmp, 'narrow.npy');
    writeFileSync(wrongDim, npy([1, 256], new Float32Array(256)));
    const narrow = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', wrongDim, '--prompts', 'x']);
    expect(narrow.err).toMatch(/width 512/);
    const garbage = join(tmp, 'bad.npy');
    writeFileSync(garbage, 'not numpy');
    const bad = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--embeddings', garbage, '--prompts', 'x']);
    expect(bad.err).toMatch(/bad\.npy/);
    const fixed = await bin(['detect', IMAGES.bus(), '--model', MODELS.seg320(), '--embeddings', noNames, '--prompts', 'x']);
    expect(fixed.err).toMatch(/run-time-vocabulary model/);
    const adapterAlone = await bin(['detect', IMAGES.bus(), '--model', YOLOE.runtime(), '--adapter', YOLOE.adapter()]);
    expect(adapterAlone.err).toMatch(/Expected --text-encoder with --adapter/);
    for (const r of [none, noEncoder, npyOnly, narrow, bad, fixed, adapterAlone]) expect(r.err).not.toMatch(/\n\s+at /);
  });
});

describe('yoloe-trt quantize with run-time vocabularies (real bin)', () => {
  const calib = fixture('coco128', 'images', 'train2017');
  const report = (out: string) => JSON.parse(out) as { quantize?: { output: string }; report: { check: { verdict: string; agreement: { fp32Detections: number } } } };

  it('quantizes a run-time-vocabulary model and reports on the classes given by --embeddings; --check compares on other classes', async () => {
    const json = join(tmp, 'person-bus.json');
    writeFileSync(json, JSON.stringify({ names: ['person', 'bus'], embeddings: [Array.from(oneHot([0])), Array.from(oneHot([5]))] }));
    const int8 = join(tmp, 'rt-int8.onnx');
    const q = await bin(['quantize', YOLOE.runtime(), '--calib', calib, '--count', '6', '--out', int8, '--embeddings', json, '--latency-runs', '1', '--json']);
    expect(q.code, q.err).toBe(0);
    expect(report(q.out).quantize?.output).toBe(int8);
    expect(report(q.out).report.check.verdict).toBe('ok');
    // the same INT8 model checked on the first calibration images with one class, then all 80
    const persons = join(tmp, 'person.npy');
    writeFileSync(persons, npy([1, 512], oneHot([0])));
    const one = await bin(['quantize', YOLOE.runtime(), '--calib', calib, '--check', int8, '--embeddings', persons, '--prompts', 'person', '--latency-runs', '1', '--json']);
    expect(one.code, one.err).toBe(0);
    const all = join(tmp, 'coco80.npy');
    writeFileSync(all, npy([80, 512], oneHot(Array.from({ length: 80 }, (_, k) => k))));
    const namesFile = join(tmp, 'coco80.names');
    writeFileSync(namesFile, (await loadModel(MODELS.seg320(), { backend: 'cpu' }).then(async (m) => { const n = m.info.names; await m.dispose(); return n; })).join('\n'));
    const eighty = await bin(['quantize', YOLOE.runtime(), '--calib', calib, '--check', int8, '--embeddings', all, '--names', namesFile, '--latency-runs', '1', '--json']);
    expect(eighty.code, eighty.err).toBe(0);
    const [p, e] = [report(one.out).report.check.agreement.fp32Detections, report(eighty.out).report.check.agreement.fp32Detections];
    expect(p).toBeGreaterThan(0);
    expect(e).toBeGreaterThan(p);
  });

  it('without vocabulary flags it stops before calibrating, saying which flags to add; mistakes are typed', async () => {
    const out = join(tmp, 'never.onnx');
    const none = await bin(['quantize', YOLOE.runtime(), '--calib', calib, '--out', out]);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/ERR_NO_VOCABULARY|takes its classes at run time: give --prompts/);
    const noEncoder = await bin(['quantize', YOLOE.runtime(), '--calib', calib, '--out', out, '--prompts', 'person']);
    expect(noEncoder.code).toBe(2);
    expect(noEncoder.err).toMatch(/Expected --text-encoder TE\.onnx with --prompts/);
    const fixed = await bin(['quantize', MODELS.seg320(), '--calib', calib, '--out', out, '--prompts', 'person']);
    expect(fixed.code).toBe(2);
    expect(fixed.err).toMatch(/Expected a run-time-vocabulary model/);
    expect(existsSync(out)).toBe(false);
    for (const r of [none, noEncoder, fixed]) expect(r.err).not.toMatch(/\n\s+at /);
  });
});
