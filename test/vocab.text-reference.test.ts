import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, loadEmbeddingsFile, loadTextEncoder, type Model } from '../lib/index.js';
import { decodeBatch, nms, resolveDecodeOptions, scanRawHead } from '../lib/decode/index.js';
import { decodeImage } from '../lib/image/decode.js';
import { preprocess } from '../lib/image/pack.js';
import type { BinaryMask, Tensor } from '../lib/types.js';
import { rleIouMatrix } from '../lib/eval/mask-ops.js';
import { maskToRle } from '../lib/decode/rle.js';
import { IMAGES, fixture } from './fixtures.js';
import { YOLOE, readNpy } from './vocab.helpers.js';

/**
 * Tolerances: the README measured max |diff| 0 on boxes, mask coefficients and protos on the
 * machine that made the references; ONNX Runtime's CPU kernels accumulate in another order on
 * other CPUs (here: boxes 2.4e-3 px of 320, scores 2.1e-5, coefficients 7.4e-5, protos 1.4e-4,
 * with plain ORT too, every optimisation level), so raw values are compared within bounds a
 * plumbing bug (wrong embeddings, wrong order, missing adapter) exceeds by orders of magnitude.
 *
 * The random-weight run-time-vocabulary detector fed the fork's own class embeddings
 * (text-reference/<list>/class_embeddings.npy) against the fork's FUSED export of the same model
 * with the same classes (its reference output0 / output1 on bus.jpg): the second-input plumbing,
 * checked through decode/ on the reference outputs and against the fork's own NMS detections.
 */
const LISTS = ['L1_person-bus', 'L2_coco80'] as const;

/** mask IoU as pycocotools computes it (lib/eval's port) */
function maskIou(a: BinaryMask, b: BinaryMask): number {
  return rleIouMatrix([maskToRle(a)], [maskToRle(b)], [0])[0]![0]!;
}

interface ForkDetection { xyxy: [number, number, number, number]; score: number; class: number; name: string }

function referenceOutputs(list: string): Record<string, Tensor> {
  const o0 = readNpy(YOLOE.reference(list, 'output0.npy'));
  const o1 = readNpy(YOLOE.reference(list, 'output1.npy'));
  return { output0: { dtype: 'float32', dims: o0.shape, data: o0.data }, output1: { dtype: 'float32', dims: o1.shape, data: o1.data } };
}

describe('run-time vocabulary: the random-text detector against the fork\'s fused reference (acceptance)', () => {
  let detector: Model;
  beforeAll(async () => {
    detector = await loadModel(YOLOE.randomRuntime(), { backend: 'cpu', threads: 2 });
  });
  afterAll(async () => detector?.dispose());

  it('reads the export metadata: run-time vocabulary of width 512 and the text files it pairs with', () => {
    expect(detector.info.vocabulary).toMatchObject({
      kind: 'runtime', embeddingsInput: 'class_embeddings', embedDim: 512,
      textEncoder: 'text-encoder_mobileclip-b-2layer_random.onnx', textAdapter: 'yoloe-v8n-seg_random-text_text-adapter.onnx',
    });
  });

  it('letterboxes bus.jpg exactly like the fork (images_bus_320.npy)', async () => {
    const ref = readNpy(YOLOE.reference('images_bus_320.npy'));
    const { tensor } = preprocess([await decodeImage(IMAGES.bus())], 320, 320, 'float32');
    expect(ref.shape).toEqual([1, 3, 320, 320]);
    expect(Buffer.from((tensor.data as Float32Array).buffer).equals(Buffer.from(ref.data.buffer))).toBe(true);
  });

  it('the whole chain in Node: tokenizer -> text encoder -> adapter -> detector reproduces text-reference/', async () => {
    const textEncoder = await loadTextEncoder({ onnx: YOLOE.textEncoder(), adapter: YOLOE.adapter(), vocab: fixture('clip', 'bpe_simple_vocab_16e6.txt.gz') });
    const chained = await loadModel(YOLOE.randomRuntime(), { backend: 'cpu', threads: 2, textEncoder });
    try {
      const image = await decodeImage(IMAGES.bus());
      const { geometries } = preprocess([image], 320, 320, 'float32');
      for (const list of LISTS) {
        const prompts = JSON.parse(readFileSync(YOLOE.reference(list, 'prompts.json'), 'utf8')) as string[];
        const want = readNpy(YOLOE.reference(list, 'class_embeddings.npy')).data;
        const got = await textEncoder.embed(prompts);
        let d = 0;
        for (let i = 0; i < want.length; i++) d = Math.max(d, Math.abs(got.data[i]! - want[i]!));
        expect(d, list).toBeLessThan(1e-5);
        const [viaPrompts] = await chained.detectDecoded([image], { prompts });
        const [fromFile] = await detector.detectDecoded([image], { prompts, embeddings: want });
        const [reference] = decodeBatch(referenceOutputs(list), { ...detector.info.layout, nc: prompts.length }, geometries, prompts, { ...resolveDecodeOptions({}), masks: false });
        for (const [a, b] of [[viaPrompts!, fromFile!], [viaPrompts!, reference!]] as const) {
          expect(a.detections.map((x) => [x.classId, x.label]), list).toEqual(b.detections.map((x) => [x.classId, x.label]));
          a.detections.forEach((x, i) => {
            expect(Math.abs(x.score - b.detections[i]!.score)).toBeLessThan(1e-4);
            x.box.forEach((v, j) => expect(Math.abs(v - b.detections[i]!.box[j]!)).toBeLessThan(0.05));
          });
        }
        expect(viaPrompts!.detections.length).toBe(list === 'L1_person-bus' ? 23 : 98);
      }
    } finally {
      await chained.dispose();
      await textEncoder.dispose();
    }
  });

  for (const list of LISTS) {
    it(`${list}: raw outputs equal the fused graph's (boxes within 0.01 px, scores 1e-4, coefficients and protos 1e-3)`, async () => {
      const prompts = JSON.parse(readFileSync(YOLOE.reference(list, 'prompts.json'), 'utf8')) as string[];
      const { embeddings } = await loadEmbeddingsFile(YOLOE.reference(list, 'class_embeddings.npy'));
      expect(embeddings.count).toBe(prompts.length);
      const got = await detector.infer([await decodeImage(IMAGES.bus())], { prompts, embeddings });
      const ref = referenceOutputs(list);
      const k = prompts.length;
      expect(got.outputs.output0!.dims).toEqual(ref.output0!.dims);
      const a = got.outputs.output0!.data as Float32Array;
      const b = ref.output0!.data as Float32Array;
      const n = 2100;
      const diff = { boxes: 0, scores: 0, coefficients: 0 };
      for (let row = 0; row < 4 + k + 32; row++) {
        const part = row < 4 ? 'boxes' : row < 4 + k ? 'scores' : 'coefficients';
        for (let i = 0; i < n; i++) diff[part] = Math.max(diff[part], Math.abs(a[row * n + i]! - b[row * n + i]!));
      }
      expect(diff.boxes).toBeLessThan(1e-2);
      expect(diff.scores).toBeLessThan(1e-4);
      expect(diff.coefficients).toBeLessThan(1e-3);
      const p = got.outputs.output1!.data as Float32Array;
      const q = ref.output1!.data as Float32Array;
      expect(p.length).toBe(q.length);
      let protoDiff = 0;
      for (let i = 0; i < p.length; i++) protoDiff = Math.max(protoDiff, Math.abs(p[i]! - q[i]!));
      expect(protoDiff).toBeLessThan(1e-3);
      // the person/bus columns of the 80-class list score differently: the embeddings do reach the head
      if (k === 2) expect(Math.max(...a.subarray(4 * n, 6 * n))).toBeGreaterThan(0.9);
    });

    it(`${list}: detections (and masks) match decode/ run on the fused reference outputs, and those equal the fork's NMS`, async () => {
      const prompts = JSON.parse(readFileSync(YOLOE.reference(list, 'prompts.json'), 'utf8')) as string[];
      await detector.setClasses(prompts, YOLOE.reference(list, 'class_embeddings.npy'));
      expect(detector.classes).toEqual(prompts);
      const image = await decodeImage(IMAGES.bus());
      const [got] = await detector.detectDecoded([image]);
      const ref = referenceOutputs(list);
      const { geometries } = preprocess([image], 320, 320, 'float32');
      const [want] = decodeBatch(ref, { ...detector.info.layout, nc: prompts.length }, geometries, prompts, { ...resolveDecodeOptions({}), masks: true });
      const g = got!.detections;
      const w = want!.detections;
      expect(g.length).toBe(w.length);
      g.forEach((d, i) => {
        expect([d.classId, d.label]).toEqual([w[i]!.classId, w[i]!.label]);
        expect(Math.abs(d.score - w[i]!.score)).toBeLessThan(1e-4);
        d.box.forEach((v, j) => expect(Math.abs(v - w[i]!.box[j]!)).toBeLessThan(0.05));
        expect(maskIou(d.mask!, w[i]!.mask!)).toBeGreaterThan(0.99);
      });

      // decode/ on the reference output in the letterboxed frame = the fork's non_max_suppression
      const index = JSON.parse(readFileSync(YOLOE.reference('index.json'), 'utf8')) as { lists: { dir: string; checks: Record<string, unknown> }[] };
      const fork = index.lists.find((l) => l.dir === list)!.checks['detections_fused_conf0.25_iou0.7'] as ForkDetection[];
      const opts = resolveDecodeOptions({});
      const head = ref.output0!.data as Float32Array;
      const kept = nms(scanRawHead(head, 0, 4 + prompts.length + 32, 2100, prompts.length, opts, false), opts);
      expect(kept.length).toBe(fork.length);
      expect(fork.length).toBe(list === 'L1_person-bus' ? 23 : 98);
      kept.forEach((c, i) => {
        const f = fork[i]!;
        expect([c.x1, c.y1, c.x2, c.y2]).toEqual(f.xyxy.map(Math.fround));
        expect(c.classId).toBe(f.class);
        expect(prompts[c.classId]).toBe(f.name);
        expect(Math.fround(c.score)).toBe(Math.fround(f.score));
      });
    });
  }
});
