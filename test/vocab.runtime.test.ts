import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, YoloeTrtError, type Model } from '../lib/index.js';
import { decodeImage } from '../lib/image/decode.js';
import { decodeBatch, resolveDecodeOptions } from '../lib/decode/index.js';
import { letterboxGeometry } from '../lib/image/letterbox.js';
import type { Tensor } from '../lib/types.js';
import { MODELS } from './fixtures.js';
import { YOLOE, coco128Images, committedImages, oneHot, plain } from './vocab.helpers.js';

const COCO80 = Array.from({ length: 80 }, (_, k) => k);

/** rows [4 + classes..., 84..115] of a fused [1, 116, N] head: what the run-time graph fed e_classes computes */
function columnsOf(fused: Tensor, classes: number[]): Tensor {
  const [, , n] = fused.dims as [number, number, number];
  const rows = [0, 1, 2, 3, ...classes.map((c) => 4 + c), ...Array.from({ length: 32 }, (_, k) => 84 + k)];
  const src = fused.data as Float32Array;
  const data = new Float32Array(rows.length * n);
  rows.forEach((r, i) => data.set(src.subarray(r * n, (r + 1) * n), i * n));
  return { dtype: 'float32', dims: [1, rows.length, n], data };
}

describe('run-time vocabulary: the transplanted YOLOv8n-seg (acceptance)', () => {
  let runtime: Model;
  let fused: Model;
  let v8: Model;
  beforeAll(async () => {
    [runtime, fused, v8] = await Promise.all([
      loadModel(YOLOE.runtime(), { backend: 'cpu', threads: 2 }),
      loadModel(YOLOE.fused(), { backend: 'cpu', threads: 2 }),
      loadModel(MODELS.seg320(), { backend: 'cpu', threads: 2 }),
    ]);
    await runtime.setClasses(v8.info.names, oneHot(COCO80));
  });
  afterAll(async () => Promise.all([runtime?.dispose(), fused?.dispose(), v8?.dispose()]));

  it('model.info says the classes come at run time', () => {
    expect(runtime.info.vocabulary).toEqual({ kind: 'runtime', embeddingsInput: 'class_embeddings', embedDim: 512, minClasses: 1, maxClasses: Infinity });
    expect(runtime.info.imageInput).toBe('images');
    expect(runtime.info.layout).toMatchObject({ kind: 'raw', output: 'output0', nm: 32, anchors: 2100, protos: 'output1' });
    expect(fused.info.vocabulary).toEqual({ kind: 'fixed' });
    expect(v8.info.vocabulary).toEqual({ kind: 'fixed' });
    expect(runtime.classes).toEqual(v8.info.names);
  });

  it('fed e_0..e_79 it gives exactly the detections and masks of yolov8n-seg and of the fused YOLOE on every committed image', async () => {
    const images = committedImages();
    expect(images.length).toBeGreaterThanOrEqual(9);
    for (const path of images) {
      const [rt, fu, ref] = await Promise.all([runtime.detect(path), fused.detect(path), v8.detect(path)]);
      expect(plain(rt), path).toEqual(plain(ref));
      expect(plain(fu), path).toEqual(plain(ref));
    }
    const bus = plain(await runtime.detect(images[0]!));
    expect(bus.map((d) => [d.label, Math.round(d.score * 1000) / 1000])).toEqual([['bus', 0.881], ['person', 0.86], ['person', 0.748], ['person', 0.733]]);
  });

  // all 128 images, detections and masks: ~3 x 128 CPU runs at 320
  it('fed e_0..e_79 it equals yolov8n-seg and the fused YOLOE on all of COCO128 (detections, masks, and at conf 0.001)', async () => {
    let detections = 0;
    for (const path of coco128Images()) {
      const image = await decodeImage(path);
      const [[rt], [ref], [fu]] = await Promise.all([runtime.detectDecoded([image]), v8.detectDecoded([image]), fused.detectDecoded([image])]);
      expect(plain(rt!), path).toEqual(plain(ref!));
      expect(plain(fu!), path).toEqual(plain(ref!));
      detections += rt!.detections.length;
      const low = { conf: 0.001, masks: false };
      const [[rtLow], [refLow]] = await Promise.all([runtime.detectDecoded([image], low), v8.detectDecoded([image], low)]);
      expect(plain(rtLow!), path).toEqual(plain(refLow!));
    }
    expect(detections).toBeGreaterThan(400); // a guard against an empty comparison
  }, 600_000);

  it('fed the ["person", "bus"] embeddings (e_0, e_5) it computes the fused model\'s person and bus columns, with ids 0, 1 and the prompts as labels', async () => {
    const prompts = { prompts: ['person', 'bus'], embeddings: oneHot([0, 5]) };
    for (const path of committedImages().slice(0, 4)) {
      const image = await decodeImage(path);
      const sub = await runtime.infer([image], prompts);
      const full = await fused.infer([image]);
      const expected = columnsOf(full.outputs.output0!, [0, 5]);
      expect(sub.outputs.output0!.dims).toEqual([1, 38, 2100]);
      expect(Buffer.from((sub.outputs.output0!.data as Float32Array).buffer).equals(Buffer.from((expected.data as Float32Array).buffer)), path).toBe(true);
      // decoding those fused columns with decode/ is the independent reference for the subset's detections
      const g = letterboxGeometry(image.width, image.height, 320, 320);
      const [want] = decodeBatch({ output0: expected, output1: full.outputs.output1! }, { ...fused.info.layout, nc: 2 } as never, [g], ['person', 'bus'], { ...resolveDecodeOptions({}), masks: true });
      const [got] = await runtime.detectDecoded([image], prompts);
      expect(plain(got!), path).toEqual(plain(want!));
      expect(got!.detections.every((d) => (d.classId === 0 && d.label === 'person') || (d.classId === 1 && d.label === 'bus'))).toBe(true);
    }
    // on bus.jpg and zidane.jpg no other class competes, so they are the fused person + bus detections, remapped
    for (const path of committedImages().slice(0, 2)) {
      const [got, all] = await Promise.all([runtime.detect(path, prompts), fused.detect(path)]);
      const want = plain(all).filter((d) => d.classId === 0 || d.classId === 5).map((d) => ({ ...d, classId: d.classId === 0 ? 0 : 1 }));
      expect(plain(got), path).toEqual(want);
      expect(want.length).toBeGreaterThan(0);
    }
  });

  it('concurrent callers never see half of another call\'s classes', async () => {
    const path = committedImages()[0]!;
    const busOnly = { prompts: ['bus'], embeddings: oneHot([5]) };
    const personOnly = { prompts: ['person'], embeddings: oneHot([0]) };
    const [wantBus, wantPerson, wantAll] = [plain(await runtime.detect(path, busOnly)), plain(await runtime.detect(path, personOnly)), plain(await runtime.detect(path))];
    expect(wantBus.map((d) => d.label)).toEqual(['bus']);
    const calls: Promise<unknown>[] = [];
    const expectations: unknown[] = [];
    for (let i = 0; i < 12; i++) {
      const opts = i % 3 === 0 ? busOnly : i % 3 === 1 ? personOnly : undefined;
      calls.push(runtime.detect(path, opts).then(plain));
      expectations.push(opts === busOnly ? wantBus : opts === personOnly ? wantPerson : wantAll);
    }
    // a setClasses() meanwhile changes later calls only: calls already made keep the 80 classes
    const swap = runtime.setClasses(['bus'], oneHot([5]));
    const afterSwap = swap.then(() => runtime.detect(path).then(plain));
    expect(await Promise.all(calls)).toEqual(expectations);
    expect(await afterSwap).toEqual(wantBus);
    // the last setClasses() call wins even when an earlier one finishes later (a file read vs in memory)
    const dir = mkdtempSync(join(tmpdir(), 'vocab-'));
    const file = join(dir, 'bus.json');
    writeFileSync(file, JSON.stringify({ names: ['bus'], embeddings: [Array.from(oneHot([5]))] }));
    const slow = runtime.setClasses(['bus'], file);
    const fast = runtime.setClasses(v8.info.names, oneHot(COCO80));
    await Promise.all([slow, fast]);
    expect(runtime.classes).toEqual(v8.info.names);
    expect(plain(await runtime.detect(path))).toEqual(wantAll);
  });

  it('a caller that edits its Float32Array afterwards does not change the classes in use', async () => {
    const path = committedImages()[0]!;
    const e = oneHot([5]);
    const want = plain(await runtime.detect(path, { prompts: ['bus'], embeddings: e }));
    await runtime.setClasses(['bus'], e);
    e.fill(0);
    expect(plain(await runtime.detect(path))).toEqual(want);
    await runtime.setClasses(v8.info.names, oneHot(COCO80));
  });

  it('bad vocabularies get typed errors naming the problem', async () => {
    const bare = await loadModel(YOLOE.runtime(), { backend: 'cpu', threads: 1 });
    try {
      await expect(bare.detect(committedImages()[0]!)).rejects.toMatchObject({ code: 'ERR_NO_VOCABULARY', message: expect.stringContaining('setClasses') });
      await expect(bare.setClasses(['person'])).rejects.toMatchObject({ code: 'ERR_NO_VOCABULARY', message: expect.stringContaining('textEncoder') });
      await expect(bare.setClasses(['person'], new Float32Array(511))).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('1 x 512 = 512 floats') });
      await expect(bare.setClasses(['a', 'b'], { data: new Float32Array(512), count: 1, dim: 512 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('2 embeddings') });
      await expect(bare.setClasses(['a'], { data: new Float32Array(256), count: 1, dim: 256 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('width 512') });
      const nan = oneHot([0]);
      nan[7] = Number.NaN;
      await expect(bare.setClasses(['a'], nan)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('finite') });
      await expect(bare.setClasses([], new Float32Array(0))).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('names') });
      await expect(bare.setClasses(['a'], '/nonexistent/e.npy')).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
      await expect(bare.detect(committedImages()[0]!, { embeddings: oneHot([0]) })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('prompts') });
      await expect(bare.detect(committedImages()[0]!, { prompts: 'person' as never })).rejects.toBeInstanceOf(YoloeTrtError);
      await expect(loadModel(YOLOE.runtime(), { backend: 'cpu', textEncoder: {} as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('textEncoder') });
    } finally {
      await bare.dispose();
    }
    await expect(fused.setClasses(['person'], oneHot([0]))).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('fixed classes') });
    await expect(fused.detect(committedImages()[0]!, { prompts: ['person'] })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('uses a text encoder for prompts without embeddings, checking its width', async () => {
    const calls: string[][] = [];
    const fake = { dim: 512, embed: async (p: readonly string[]) => { calls.push([...p]); return { data: oneHot(p.map((n) => v8.info.names.indexOf(n))), count: p.length, dim: 512 }; }, dispose: async () => {} };
    const withText = await loadModel(YOLOE.runtime(), { backend: 'cpu', threads: 1, textEncoder: fake });
    try {
      const path = committedImages()[0]!;
      const got = plain(await withText.detect(path, { prompts: ['person', 'bus'] }));
      expect(calls).toEqual([['person', 'bus']]);
      expect(got).toEqual(plain(await runtime.detect(path, { prompts: ['person', 'bus'], embeddings: oneHot([0, 5]) })));
    } finally {
      await withText.dispose();
    }
    const narrow = await loadModel(YOLOE.runtime(), { backend: 'cpu', threads: 1, textEncoder: { ...fake, dim: 256 } });
    await expect(narrow.setClasses(['person'])).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining('width 512') });
    await narrow.dispose();
  });
});
