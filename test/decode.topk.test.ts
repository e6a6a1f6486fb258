import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_NMS_CANDIDATES, TopCandidates, capCandidates, decodeBatch, nms, resolveDecodeOptions, scanRawHead } from '../lib/decode/index.js';
import { loadAddon } from '../lib/native/addon.js';
import { decodeImage } from '../lib/image/decode.js';
import { preprocess } from '../lib/image/pack.js';
import { nativeScanRawHead } from '../lib/native/kernels.js';
import { loadModel, type Model } from '../lib/index.js';
import type { Candidate, DecodeOptions } from '../lib/types.js';
import { IMAGES, MODELS } from './fixtures.js';
import { rng } from './random.js';
import { YOLOE, plain } from './vocab.helpers.js';

/**
 * The bounded candidate store (TopCandidates) of both kernel paths: the same candidates, in the
 * same order, as collecting every candidate and cutting a stable descending sort at maxNms
 * (capCandidates, Ultralytics' argsort(descending)[:max_nms]), with memory O(min(maxNms, found)).
 */

const f32 = Math.fround;

/** Every candidate, written out plainly in scan order, then the unbounded reference cut. */
function referenceScan(head: Float32Array, channels: number, n: number, nc: number, opts: DecodeOptions, transposed: boolean): Candidate[] {
  const v = (k: number, a: number) => head[transposed ? a * channels + k : k * n + a]!;
  const all: Candidate[] = [];
  for (let a = 0; a < n; a++) {
    const [cx, cy, w, h] = [v(0, a), v(1, a), v(2, a), v(3, a)];
    const box = { x1: f32(cx - f32(w / 2)), y1: f32(cy - f32(h / 2)), x2: f32(cx + f32(w / 2)), y2: f32(cy + f32(h / 2)) };
    let best = -1;
    for (let c = 0; c < nc; c++) if (v(4 + c, a) > opts.conf && (best < 0 || v(4 + c, a) > v(4 + best, a))) best = c;
    if (best < 0) continue;
    for (let c = 0; c < nc; c++) {
      const take = opts.multiLabel ? v(4 + c, a) > opts.conf : c === best;
      if (take && (!opts.classes || opts.classes.includes(c))) all.push({ ...box, score: v(4 + c, a), classId: c, index: a });
    }
  }
  return capCandidates(all, opts.maxNms);
}

/** A head whose scores take few distinct values, so ties are everywhere. */
function tiedHead(nc: number, nm: number, n: number, transposed: boolean, r: () => number, levels: number): Float32Array {
  const channels = 4 + nc + nm;
  const head = new Float32Array(channels * n);
  const at = (k: number, a: number) => (transposed ? a * channels + k : k * n + a);
  for (let a = 0; a < n; a++) {
    for (let k = 0; k < 4; k++) head[at(k, a)] = r() * 320;
    for (let c = 0; c < nc; c++) head[at(4 + c, a)] = Math.floor(r() * levels) / levels;
    for (let k = 0; k < nm; k++) head[at(4 + nc + k, a)] = r() - 0.5;
  }
  return head;
}

describe('TopCandidates', () => {
  it('keeps the best capacity offers, ties in offer order, like a stable sort cut at capacity', () => {
    const r = rng(7);
    for (const n of [0, 1, 5, 100, 3000]) {
      const scores = Array.from({ length: n }, () => f32(Math.floor(r() * 9) / 8));
      for (const capacity of [0, 1, 3, 7, 99, n, n + 5]) {
        const top = new TopCandidates(capacity);
        scores.forEach((s, i) => top.offer(s, i));
        const { scores: kept, seqs, count } = top.take();
        const sorted = scores.map((s, i) => ({ s, i }));
        const want = n <= capacity ? sorted : [...sorted].sort((a, b) => b.s - a.s).slice(0, capacity);
        expect(count, `n ${n} capacity ${capacity}`).toBe(want.length);
        expect(Array.from(seqs.subarray(0, count)), `n ${n} capacity ${capacity}`).toEqual(want.map((w) => w.i));
        expect(Array.from(kept.subarray(0, count))).toEqual(want.map((w) => w.s));
      }
    }
  });
});

describe('bounded candidate scan, TypeScript and native', () => {
  it('the native addon is built (this file tests both kernel paths)', () => {
    expect(loadAddon().binding, loadAddon().error).not.toBeNull();
  });

  it('equals the unbounded reference on tied heads, every option mix, both orientations, both paths', () => {
    const r = rng(11);
    let compared = 0;
    for (let trial = 0; trial < 48; trial++) {
      const nc = 1 + Math.floor(r() * 30);
      const nm = trial % 3 === 0 ? 0 : 4;
      const n = Math.floor(r() * 700);
      const transposed = trial % 2 === 1;
      const head = tiedHead(nc, nm, n, transposed, r, trial % 4 === 0 ? 3 : 17);
      const opts = resolveDecodeOptions({
        conf: [0, 0.001, 0.25, 0.6][trial % 4],
        multiLabel: trial % 3 !== 1,
        maxNms: [1, 7, 50, 30000][(trial >> 2) % 4],
        ...(trial % 5 === 2 ? { classes: [0, 2, nc + 1] } : {}),
      });
      const want = referenceScan(head, 4 + nc + nm, n, nc, opts, transposed);
      const ts = scanRawHead(head, 0, 4 + nc + nm, n, nc, opts, transposed);
      const native = nativeScanRawHead(head, 0, 4 + nc + nm, n, nc, opts, transposed);
      expect(ts, `trial ${trial}`).toEqual(want);
      expect(native, `trial ${trial}`).toEqual(want);
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it('a 4,585-class head at conf 0 with multiLabel and the largest maxNms stays bounded (1.4 M candidates offered)', () => {
    const nc = 4585;
    const n = 300;
    const channels = 4 + nc + 32;
    const r = rng(3);
    const head = new Float32Array(channels * n);
    for (let a = 0; a < n; a++) {
      head[a] = r() * 320;
      head[n + a] = r() * 320;
      head[2 * n + a] = 4 + r() * 60;
      head[3 * n + a] = 4 + r() * 60;
    }
    for (let i = 4 * n; i < (4 + nc) * n; i++) head[i] = f32(r() * r() + 1e-6);
    const opts = resolveDecodeOptions({ conf: 0, multiLabel: true, maxNms: MAX_NMS_CANDIDATES });
    const before = process.memoryUsage().heapUsed;
    const ts = scanRawHead(head, 0, channels, n, nc, opts, false);
    const grown = process.memoryUsage().heapUsed - before;
    expect(ts).toHaveLength(MAX_NMS_CANDIDATES);
    // 262,144 Candidate objects (~80 B) beside the store: far below the 1.4 M x ~80 B of collecting them all
    expect(grown).toBeLessThan(60 * 2 ** 20);
    let sorted = true;
    for (let i = 1; i < ts.length; i++) sorted &&= ts[i]!.score <= ts[i - 1]!.score;
    expect(sorted).toBe(true);
    const native = nativeScanRawHead(head, 0, channels, n, nc, opts, false);
    expect(native.length).toBe(ts.length);
    for (let i = 0; i < ts.length; i += 997) expect(native[i]).toEqual(ts[i]);
    expect(native[ts.length - 1]).toEqual(ts[ts.length - 1]);
    const kept = nms(ts, opts);
    expect(kept).toHaveLength(300);
  }, 120_000);

  it('maxNms above the bound is a typed error, not an out-of-memory abort', () => {
    expect(() => resolveDecodeOptions({ conf: 0, multiLabel: true, maxNms: 1e9 })).toThrow(/Expected an integer >= 1 and <= 262144 for maxNms but received 1000000000/);
    expect(resolveDecodeOptions({ maxNms: MAX_NMS_CANDIDATES }).maxNms).toBe(MAX_NMS_CANDIDATES);
  });
});

describe('prompt-free YOLOE heads (4,585 classes, data-dependent anchors)', () => {
  let pf: Model;
  let pfRandom: Model;
  let source: Model;
  beforeAll(async () => {
    [pf, pfRandom, source] = await Promise.all([
      loadModel(YOLOE.promptFree(), { backend: 'cpu', threads: 2 }),
      loadModel(YOLOE.promptFreeRandom(), { backend: 'cpu', threads: 2 }),
      loadModel(MODELS.seg320(), { backend: 'cpu', threads: 2 }),
    ]);
  });
  afterAll(async () => Promise.all([pf?.dispose(), pfRandom?.dispose(), source?.dispose()]));

  it('reads its names from the metadata and says it is prompt-free', () => {
    for (const m of [pf, pfRandom]) {
      expect(m.info.vocabulary).toEqual({ kind: 'prompt-free' });
      expect(m.info.names).toHaveLength(4585);
      expect(m.info.layout).toMatchObject({ kind: 'raw', nc: 4585, nm: 32, anchors: -1, protos: 'output1' });
    }
    expect(pf.info.names.slice(0, 6)).toEqual(source.info.names.slice(0, 6));
    expect(pfRandom.info.names[0]).toBe('3D CG rendering');
  });

  it('the real-weight prompt-free head gives the source model\'s detections and masks (its kept columns are the source\'s)', async () => {
    for (const path of [IMAGES.bus(), IMAGES.zidane()]) {
      const [got, want] = await Promise.all([pf.detect(path), source.detect(path)]);
      expect(plain(got), path).toEqual(plain(want));
      expect(got.detections.length).toBeGreaterThan(2);
    }
  });

  it('decodes at conf 0.001, with multiLabel, and at conf 0 multiLabel with the largest maxNms, the same on both kernel paths', async () => {
    const image = await decodeImage(IMAGES.bus());
    const { geometries } = preprocess([image], 320, 320, 'float32');
    // the random head scores <= 1.6e-4 (458,500 of its 4,585 x 100 scores above 0, more than maxNms); the real one keeps 392 anchors on bus.jpg
    const cases: [Model, Partial<DecodeOptions>, number][] = [
      [pf, { conf: 0.001 }, 392],
      [pf, { conf: 0.001, multiLabel: true }, 392],
      [pfRandom, { conf: 0, multiLabel: true, maxNms: MAX_NMS_CANDIDATES }, 100],
    ];
    for (const [model, o, anchors] of cases) {
      const raw = await model.infer([image]);
      expect(raw.outputs.output0!.dims).toEqual([1, 4621, anchors]);
      // masks of the 300 conf-0 detections would only time maskToRle
      const opts = { ...resolveDecodeOptions(o), masks: o.conf !== 0 };
      const prev = process.env.YOLOE_TRT_KERNELS;
      process.env.YOLOE_TRT_KERNELS = 'ts';
      const [ts] = decodeBatch(raw.outputs, model.info.layout, geometries, model.info.names, opts);
      if (prev === undefined) delete process.env.YOLOE_TRT_KERNELS;
      else process.env.YOLOE_TRT_KERNELS = prev;
      const [native] = decodeBatch(raw.outputs, model.info.layout, geometries, model.info.names, opts);
      expect(plain(native!), JSON.stringify(o)).toEqual(plain(ts!));
      expect(ts!.detections.length, JSON.stringify(o)).toBeGreaterThan(o.multiLabel ? 20 : 5);
    }
    await expect(pfRandom.detect(IMAGES.bus(), { conf: 0, multiLabel: true, maxNms: 1e9 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('maxNms') });
  });
});
