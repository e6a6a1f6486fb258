import { describe, expect, it } from 'vitest';
import { decodeBatch, detectLayout, nms, resolveDecodeOptions, scanRawHead } from '../lib/decode/index.js';
import { toHalfArray } from '../lib/image/fp16.js';
import { YoloeTrtError } from '../lib/errors.js';
import type { Candidate, LetterboxGeometry, Tensor } from '../lib/types.js';
import { rng } from './random.js';


const bus: LetterboxGeometry = { srcWidth: 810, srcHeight: 1080, dstWidth: 640, dstHeight: 640, ratio: 640 / 1080, newWidth: 480, newHeight: 640, left: 80, top: 0, right: 80, bottom: 0 };
const zidane: LetterboxGeometry = { srcWidth: 1280, srcHeight: 720, dstWidth: 640, dstHeight: 640, ratio: 0.5, newWidth: 640, newHeight: 360, left: 0, top: 140, right: 0, bottom: 140 };

interface Plant {
  anchor: number;
  cls: number;
  score: number;
  box: [number, number, number, number]; // cx, cy, w, h
}

/** A raw head [B, 4+nc+nm, N] with background scores below `noise` and the planted detections. */
function plantedHead(B: number, nc: number, nm: number, N: number, plants: Plant[][], noise: number, rand: () => number): Float32Array {
  const C = 4 + nc + nm;
  const out = new Float32Array(B * C * N);
  for (let b = 0; b < B; b++) {
    const base = b * C * N;
    for (let i = 4 * N; i < (4 + nc) * N; i++) out[base + i] = rand() * noise;
    for (const p of plants[b] ?? []) {
      p.box.forEach((v, k) => (out[base + k * N + p.anchor] = v));
      out[base + (4 + p.cls) * N + p.anchor] = p.score;
      for (let k = 0; k < nm; k++) out[base + (4 + nc + k) * N + p.anchor] = k === 0 ? 4 : 0.01 * k;
    }
  }
  return out;
}

const time = (fn: () => void, reps: number): number => {
  fn();
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) fn();
  return (performance.now() - t0) / reps;
};

describe('decodeBatch', () => {
  const names = ['person', 'bicycle', 'car'];
  const plants: Plant[][] = [
    [
      { anchor: 10, cls: 0, score: 0.9, box: [320, 320, 200, 400] },
      { anchor: 11, cls: 0, score: 0.85, box: [322, 318, 200, 400] }, // duplicate: NMS removes it
      { anchor: 500, cls: 2, score: 0.6, box: [150, 100, 60, 40] },
      { anchor: 900, cls: 7, score: 0.3, box: [500, 500, 20, 20] }, // no name: "class7"
    ],
    [{ anchor: 3, cls: 1, score: 0.7, box: [320, 320, 640, 360] }],
  ];
  const nc = 8;
  const N = 1000;
  const head = plantedHead(2, nc, 0, N, plants, 0.2, rng(2));
  const layout = detectLayout([{ name: 'output0', dtype: 'float32', dims: [2, 4 + nc, N] }], { namesCount: nc });

  it('raw detection head: NMS, boxes back to each original image, labels', () => {
    const res = decodeBatch({ output0: { dtype: 'float32', dims: [2, 4 + nc, N], data: head } }, layout, [bus, zidane], names, resolveDecodeOptions({}));
    expect(res.map((r) => [r.width, r.height])).toEqual([
      [810, 1080],
      [1280, 720],
    ]);
    expect(res[0].detections.map((d) => [d.classId, d.label, d.score])).toEqual([
      [0, 'person', Math.fround(0.9)],
      [2, 'car', Math.fround(0.6)],
      [7, 'class7', Math.fround(0.3)],
    ]);
    const [x1, y1, x2, y2] = res[0].detections[0].box;
    expect([x1, y1, x2, y2].map((v) => Math.round(v * 1000) / 1000)).toEqual([236.25, 202.5, 573.75, 877.5]);
    expect(res[1].detections).toHaveLength(1);
    expect(res[1].detections[0].box).toEqual([0, 0, 1280, 720]);
    expect(res[0].detections[0].mask).toBeUndefined();
  });

  it('a padded batch (more rows than images) decodes only the images given', () => {
    const res = decodeBatch({ output0: { dtype: 'float32', dims: [2, 4 + nc, N], data: head } }, layout, [bus], names, resolveDecodeOptions({}));
    expect(res).toHaveLength(1);
  });

  it('transposed and float16 heads give the same detections', () => {
    const C = 4 + nc;
    const t = new Float32Array(head.length);
    for (let b = 0; b < 2; b++) for (let c = 0; c < C; c++) for (let a = 0; a < N; a++) t[b * C * N + a * C + c] = head[b * C * N + c * N + a];
    const tl = detectLayout([{ name: 'o', dtype: 'float32', dims: [2, N, C] }], { namesCount: nc });
    expect(tl).toMatchObject({ transposed: true });
    const want = decodeBatch({ output0: { dtype: 'float32', dims: [2, C, N], data: head } }, layout, [bus, zidane], names, resolveDecodeOptions({}));
    expect(decodeBatch({ o: { dtype: 'float32', dims: [2, N, C], data: t } }, tl, [bus, zidane], names, resolveDecodeOptions({}))).toEqual(want);
    // the planted values are exact in fp16, so the fp16 head decodes to the same records
    const half = decodeBatch({ output0: { dtype: 'float16', dims: [2, C, N], data: toHalfArray(head) } }, layout, [bus, zidane], names, resolveDecodeOptions({}));
    expect(half.map((r) => r.detections.map((d) => [d.classId, d.box]))).toEqual(want.map((r) => r.detections.map((d) => [d.classId, d.box])));
  });

  it('segmentation head: masks over the original image, inside the box', () => {
    const nm = 4;
    const segHead = plantedHead(1, nc, nm, N, [plants[0]], 0.2, rng(3));
    const protos = new Float32Array(nm * 160 * 160).fill(0.5); // channel 0 positive everywhere: logit = 4 * 0.5 + ...
    const outputs: Record<string, Tensor> = {
      output0: { dtype: 'float32', dims: [1, 4 + nc + nm, N], data: segHead },
      output1: { dtype: 'float32', dims: [1, nm, 160, 160], data: protos },
    };
    const sl = detectLayout(
      Object.entries(outputs).map(([name, t]) => ({ name, dtype: t.dtype, dims: t.dims })),
      { namesCount: nc, task: 'segment' },
    );
    for (const retina of [false, true]) {
      const [r] = decodeBatch(outputs, sl, [bus], names, { ...resolveDecodeOptions({}), retina });
      const d = r.detections[0];
      expect(d.mask).toBeDefined();
      const m = d.mask!;
      expect([m.width, m.height]).toEqual([810, 1080]);
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < m.height; y++) {
        for (let x = 0; x < m.width; x++) {
          if (!m.data[y * m.width + x]) continue;
          if (x >= d.box[0] - 2 && x < d.box[2] + 2 && y >= d.box[1] - 2 && y < d.box[3] + 2) inside++;
          else outside++;
        }
      }
      expect(outside).toBe(0);
      const boxArea = (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]);
      expect(inside / boxArea).toBeGreaterThan(0.97);
    }
    expect(decodeBatch(outputs, sl, [bus], names, { ...resolveDecodeOptions({}), masks: false })[0].detections[0].mask).toBeUndefined();
  });

  it('end-to-end head [1, 300, 6]', () => {
    const rows = new Float32Array(300 * 6);
    rows.set([10, 20, 110, 220, 0.8, 2], 0);
    rows.set([80, 0, 560, 640, 0.5, 0], 6);
    const el = detectLayout([{ name: 'output0', dtype: 'float32', dims: [1, 300, 6] }], { namesCount: 3 });
    const [r] = decodeBatch({ output0: { dtype: 'float32', dims: [1, 300, 6], data: rows } }, el, [bus], names, resolveDecodeOptions({}));
    expect(r.detections.map((d) => d.label)).toEqual(['car', 'person']);
    expect(r.detections[1].box).toEqual([0, 0, 810, 1080]);
  });

  it('bad tensors and options -> YoloeTrtError', () => {
    const opts = resolveDecodeOptions({});
    const codeOf = (fn: () => unknown): string => {
      try {
        fn();
      } catch (e) {
        expect(e).toBeInstanceOf(YoloeTrtError);
        return (e as YoloeTrtError).code;
      }
      return 'no error';
    };
    expect(codeOf(() => decodeBatch({}, layout, [bus], names, opts))).toBe('ERR_SHAPE');
    expect(codeOf(() => decodeBatch({ output0: { dtype: 'float32', dims: [2, 4 + nc, N - 1], data: head } }, layout, [bus], names, opts))).toBe('ERR_SHAPE');
    expect(codeOf(() => decodeBatch({ output0: { dtype: 'float32', dims: [2, 5 + nc, 800], data: head.subarray(0, 2 * (5 + nc) * 800) } }, layout, [bus], names, opts))).toBe('ERR_SHAPE');
    expect(codeOf(() => decodeBatch({ output0: { dtype: 'int32', dims: [1], data: new Int32Array(1) } }, layout, [bus], names, opts))).toBe('ERR_SHAPE');
    expect(codeOf(() => decodeBatch({ output0: { dtype: 'float32', dims: [2, 4 + nc, N], data: head } }, layout, [bus, bus, bus], names, opts))).toBe('ERR_SHAPE');
    expect(codeOf(() => decodeBatch({ output0: { dtype: 'float32', dims: [2, 4 + nc, N], data: head } }, layout, [bus], names, { ...opts, masks: true }))).toBe('ERR_INVALID_OPTION');
  });
});

describe('prompt-free YOLOE head: 4,585 classes', () => {
  it('a generated [1, 4589, 8400] head decodes to exactly the planted detections', () => {
    const nc = 4585;
    const N = 8400;
    const plants: Plant[] = [
      { anchor: 17, cls: 4584, score: 0.91, box: [100, 100, 50, 80] },
      { anchor: 4000, cls: 0, score: 0.55, box: [400, 300, 120, 90] },
      { anchor: 8399, cls: 2222, score: 0.33, box: [600, 600, 30, 30] },
      { anchor: 8398, cls: 2222, score: 0.3, box: [601, 600, 30, 30] }, // suppressed by the one above
    ];
    const head = plantedHead(1, nc, 0, N, [plants], 0.25, rng(9)); // noise up to 0.25: never strictly above conf
    const names = Array.from({ length: nc }, (_, i) => `c${i}`);
    const layout = detectLayout([{ name: 'output0', dtype: 'float32', dims: [1, 4 + nc, N] }], { namesCount: nc });
    const run = (): ReturnType<typeof decodeBatch> => decodeBatch({ output0: { dtype: 'float32', dims: [1, 4 + nc, N], data: head } }, layout, [bus], names, resolveDecodeOptions({}));
    const [r] = run();
    expect(r.detections.map((d) => [d.label, d.score])).toEqual([
      ['c4584', Math.fround(0.91)],
      ['c0', Math.fround(0.55)],
      ['c2222', Math.fround(0.33)],
    ]);
    const ms = time(() => run(), 3);
    console.log(`[decode.batch] decode of [1, 4589, 8400] (38.5M floats): ${ms.toFixed(1)} ms`);
  });
});

describe('timings (reported, not asserted)', () => {
  it('scan [1, 84, 8400], NMS of ~1000 candidates', () => {
    const rand = rng(4);
    const N = 8400;
    // background scores below conf and ~150 real candidates, like a busy image
    const head = plantedHead(1, 80, 0, N, [[]], 0.1, rand);
    for (let k = 0; k < 150; k++) head[(4 + Math.floor(rand() * 80)) * N + Math.floor(rand() * N)] = 0.3 + rand() * 0.6;
    for (let a = 0; a < N; a++) {
      head[a] = rand() * 640;
      head[N + a] = rand() * 640;
      head[2 * N + a] = 10 + rand() * 100;
      head[3 * N + a] = 10 + rand() * 100;
    }
    const opts = resolveDecodeOptions({});
    const scanMs = time(() => scanRawHead(head, 0, 84, N, 80, opts, false), 20);
    const cands: Candidate[] = scanRawHead(head, 0, 84, N, 80, resolveDecodeOptions({ conf: 0.05 }), false).slice(0, 1000);
    // clustered boxes of few classes so that NMS has real work
    const clustered = cands.map((c, i) => ({ ...c, classId: i % 3, x1: c.x1 % 200, y1: c.y1 % 200, x2: (c.x1 % 200) + 60, y2: (c.y1 % 200) + 60 }));
    const nmsMs = time(() => nms(clustered, opts), 20);
    const kept = nms(clustered, opts).length;
    console.log(`[decode.batch] scan [1,84,8400]: ${scanMs.toFixed(2)} ms; NMS of ${clustered.length} candidates (${kept} kept): ${nmsMs.toFixed(2)} ms`);
    expect(cands).toHaveLength(1000);
    expect(kept).toBeGreaterThan(0);
  });
});
