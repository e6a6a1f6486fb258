import { describe, expect, it } from 'vitest';
import { scaleBoxToOriginal } from '../lib/decode/boxes.js';
import { scanRawHead } from '../lib/decode/candidates.js';
import { scanEnd2End } from '../lib/decode/end2end.js';
import { nms } from '../lib/decode/nms.js';
import { resolveDecodeOptions } from '../lib/decode/options.js';
import type { Candidate, DecodeOptions, LetterboxGeometry } from '../lib/types.js';
import { rng } from './random.js';

const f32 = Math.fround;


/** A raw head [B, C, N] of random boxes and scores (float32). */
function randomHead(B: number, nc: number, nm: number, N: number, rand: () => number, scoreScale = 1): Float32Array {
  const C = 4 + nc + nm;
  const out = new Float32Array(B * C * N);
  for (let b = 0; b < B; b++) {
    for (let a = 0; a < N; a++) {
      const o = b * C * N + a;
      out[o] = rand() * 640;
      out[o + N] = rand() * 640;
      out[o + 2 * N] = 1 + rand() * 200;
      out[o + 3 * N] = 1 + rand() * 200;
      for (let c = 0; c < nc; c++) out[o + (4 + c) * N] = rand() * scoreScale;
      for (let k = 0; k < nm; k++) out[o + (4 + nc + k) * N] = rand() * 2 - 1;
    }
  }
  return out;
}

function transpose(out: Float32Array, B: number, C: number, N: number): Float32Array {
  const t = new Float32Array(out.length);
  for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) for (let a = 0; a < N; a++) t[b * C * N + a * C + c] = out[b * C * N + c * N + a];
  return t;
}

/** Ultralytics non_max_suppression's candidate stage written the obvious way: one anchor at a time. */
function naiveCandidates(out: Float32Array, b: number, C: number, N: number, nc: number, opts: DecodeOptions): Candidate[] {
  const v = (k: number, a: number): number => out[b * C * N + k * N + a];
  const res: Candidate[] = [];
  for (let a = 0; a < N; a++) {
    const [cx, cy, w, h] = [v(0, a), v(1, a), v(2, a), v(3, a)];
    const box = { x1: f32(cx - w / 2), y1: f32(cy - h / 2), x2: f32(cx + w / 2), y2: f32(cy + h / 2) };
    const scores = Array.from({ length: nc }, (_, c) => v(4 + c, a));
    if (opts.multiLabel) {
      scores.forEach((s, c) => {
        if (s > opts.conf && (!opts.classes || opts.classes.includes(c))) res.push({ ...box, score: s, classId: c, index: a });
      });
    } else {
      const best = Math.max(...scores);
      const c = scores.indexOf(best);
      if (best > opts.conf && (!opts.classes || opts.classes.includes(c))) res.push({ ...box, score: best, classId: c, index: a });
    }
  }
  if (res.length > opts.maxNms) return res.sort((p, q) => q.score - p.score).slice(0, opts.maxNms);
  return res;
}

/** torchvision CPU IoU in float32, written out. */
function iou32(a: Candidate, b: Candidate, offA: number, offB: number): number {
  const ax1 = f32(a.x1 + offA), ay1 = f32(a.y1 + offA), ax2 = f32(a.x2 + offA), ay2 = f32(a.y2 + offA);
  const bx1 = f32(b.x1 + offB), by1 = f32(b.y1 + offB), bx2 = f32(b.x2 + offB), by2 = f32(b.y2 + offB);
  const areaA = f32(f32(ax2 - ax1) * f32(ay2 - ay1));
  const areaB = f32(f32(bx2 - bx1) * f32(by2 - by1));
  const w = Math.max(0, f32(Math.min(ax2, bx2) - Math.max(ax1, bx1)));
  const h = Math.max(0, f32(Math.min(ay2, by2) - Math.max(ay1, by1)));
  const inter = f32(w * h);
  return f32(inter / f32(f32(areaA + areaB) - inter));
}

/** Greedy NMS the obvious way: walk by score, keep a box unless a kept one overlaps it too much. */
function naiveNms(cands: Candidate[], opts: DecodeOptions): Candidate[] {
  const sorted = [...cands].sort((a, b) => b.score - a.score);
  const kept: Candidate[] = [];
  for (const c of sorted) {
    const off = (x: Candidate): number => (opts.agnostic ? 0 : f32(x.classId * 7680));
    if (kept.every((k) => !(iou32(k, c, off(k), off(c)) > opts.iou))) kept.push(c);
  }
  return kept.slice(0, opts.maxDet);
}

const cand = (x1: number, y1: number, x2: number, y2: number, score: number, classId = 0, index = 0): Candidate => ({ x1, y1, x2, y2, score, classId, index });

describe('scanRawHead', () => {
  const rand = rng(1);
  const nc = 20;
  const N = 700;
  const B = 2;
  const C = 4 + nc + 3;
  const head = randomHead(B, nc, 3, N, rand);
  const cases: [string, Partial<DecodeOptions>][] = [
    ['single label', { conf: 0.9 }],
    ['multiLabel', { conf: 0.9, multiLabel: true }],
    ['classes filter', { conf: 0.9, classes: [1, 5, 19] }],
    ['multiLabel + classes', { conf: 0.8, multiLabel: true, classes: [0, 7] }],
    ['maxNms cut', { conf: 0.5, maxNms: 50 }],
    ['maxNms cut, multiLabel', { conf: 0.5, multiLabel: true, maxNms: 100 }],
  ];
  it.each(cases)('%s equals the per-anchor reference, both images, both orientations', (_, user) => {
    const opts = resolveDecodeOptions(user);
    const t = transpose(head, B, C, N);
    for (let b = 0; b < B; b++) {
      const want = naiveCandidates(head, b, C, N, nc, opts);
      expect(want.length).toBeGreaterThan(0);
      expect(scanRawHead(head, b, C, N, nc, opts, false)).toEqual(want);
      expect(scanRawHead(t, b, C, N, nc, opts, true)).toEqual(want);
    }
  });

  it('conf is strict, first class wins ties, a best class outside `classes` drops the anchor', () => {
    // one image, nc 3, 3 anchors: [0.25 0.25 0.1], [0.3 0.6 0.6], [0.9 0.5 0.2]
    const N3 = 3;
    const out = new Float32Array(7 * N3);
    out.set([100, 200, 300], 0); // cx
    out.set([100, 200, 300], 3); // cy
    out.set([10, 20, 30], 6); // w
    out.set([10, 20, 30], 9); // h
    out.set([0.25, 0.3, 0.9], 12);
    out.set([0.25, 0.6, 0.5], 15);
    out.set([0.1, 0.6, 0.2], 18);
    const got = scanRawHead(out, 0, 7, N3, 3, resolveDecodeOptions({ conf: 0.25 }), false);
    expect(got.map((c) => [c.index, c.classId, c.score])).toEqual([
      [1, 1, f32(0.6)],
      [2, 0, f32(0.9)],
    ]);
    expect(got[0]).toMatchObject({ x1: 190, y1: 190, x2: 210, y2: 210 });
    // anchor 2's best class is 0: filtering to class 1 drops it instead of falling back to its 0.5
    const filtered = scanRawHead(out, 0, 7, N3, 3, resolveDecodeOptions({ conf: 0.25, classes: [1] }), false);
    expect(filtered.map((c) => c.index)).toEqual([1]);
    const multi = scanRawHead(out, 0, 7, N3, 3, resolveDecodeOptions({ conf: 0.25, multiLabel: true }), false);
    expect(multi.map((c) => [c.index, c.classId])).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 0],
      [2, 1],
    ]);
  });
});

describe('nms', () => {
  it('equals the naive greedy reference on random overlapping boxes', () => {
    const rand = rng(7);
    for (const user of [{}, { agnostic: true }, { iou: 0.45 }, { iou: 0.3, maxDet: 10 }, { iou: 0 }, { iou: 1 }]) {
      const opts = resolveDecodeOptions(user);
      const cands: Candidate[] = [];
      for (let i = 0; i < 400; i++) {
        const x = rand() * 200;
        const y = rand() * 200;
        // quantised scores make ties; the stable order must hold them in input order
        cands.push(cand(f32(x), f32(y), f32(x + 20 + rand() * 60), f32(y + 20 + rand() * 60), f32(Math.round(rand() * 50) / 50), Math.floor(rand() * 3), i));
      }
      expect(nms(cands, opts)).toEqual(naiveNms(cands, opts));
    }
  });

  it('class-aware vs agnostic', () => {
    const a = cand(0, 0, 100, 100, 0.9, 0);
    const b = cand(5, 5, 100, 100, 0.8, 1);
    expect(nms([a, b], resolveDecodeOptions({}))).toEqual([a, b]);
    expect(nms([a, b], resolveDecodeOptions({ agnostic: true }))).toEqual([a]);
    expect(nms([b, { ...a, classId: 1 }], resolveDecodeOptions({}))).toEqual([{ ...a, classId: 1 }]);
  });

  it('IoU exactly at the threshold is kept; just above is suppressed', () => {
    const a = cand(0, 0, 10, 10, 0.9);
    const half = cand(0, 0, 10, 5, 0.8); // IoU 50/100 = 0.5 exactly
    expect(nms([a, half], resolveDecodeOptions({ iou: 0.5 }))).toEqual([a, half]);
    expect(nms([a, half], resolveDecodeOptions({ iou: 0.49 }))).toEqual([a]);
    const seventy = cand(0, 0, 10, 7, 0.8); // IoU 0.7 in float32 is 0.69999999 < 0.7: kept, as torch compares float to double
    expect(nms([a, seventy], resolveDecodeOptions({}))).toEqual([a, seventy]);
  });

  it('sorts by score, keeps maxDet, handles empty input and degenerate boxes', () => {
    const boxes = [cand(0, 0, 1, 1, 0.3, 0, 0), cand(10, 10, 11, 11, 0.9, 0, 1), cand(20, 20, 21, 21, 0.5, 0, 2)];
    expect(nms(boxes, resolveDecodeOptions({})).map((c) => c.index)).toEqual([1, 2, 0]);
    expect(nms(boxes, resolveDecodeOptions({ maxDet: 2 })).map((c) => c.index)).toEqual([1, 2]);
    expect(nms([], resolveDecodeOptions({}))).toEqual([]);
    const point = cand(5, 5, 5, 5, 0.9);
    expect(nms([point, { ...point, score: 0.8 }], resolveDecodeOptions({})).length).toBe(2); // 0/0 IoU suppresses nothing
  });
});

describe('scanEnd2End', () => {
  it('keeps score > conf in row order, first maxDet, then the classes filter; padding drops out', () => {
    const K = 300;
    const cols = 38;
    const out = new Float32Array(2 * K * cols); // image 1 all zero padding
    const rows: [number, number, number][] = [
      [0.9, 3, 0],
      [0.25, 1, 1], // not strictly above 0.25
      [0.5, 0, 2],
      [0.26, 3, 3],
      [0.8, 2, 4],
    ];
    rows.forEach(([score, cls, r]) => {
      out.set([r * 10, r * 10 + 1, r * 10 + 5, r * 10 + 6, score, cls], r * cols);
      out[r * cols + 6] = r + 0.5; // first coefficient
    });
    const opts = resolveDecodeOptions({});
    const got = scanEnd2End(out, 0, K, cols, 32, opts);
    expect(got.map((c) => [c.index, c.classId, c.score])).toEqual([
      [0, 3, f32(0.9)],
      [2, 0, 0.5],
      [3, 3, f32(0.26)],
      [4, 2, f32(0.8)],
    ]);
    expect(got[1]).toMatchObject({ x1: 20, y1: 21, x2: 25, y2: 26 });
    expect(scanEnd2End(out, 0, K, cols, 32, resolveDecodeOptions({ maxDet: 2 })).map((c) => c.index)).toEqual([0, 2]);
    // Ultralytics' end-to-end branch cuts to max_det before filtering classes
    expect(scanEnd2End(out, 0, K, cols, 32, resolveDecodeOptions({ maxDet: 2, classes: [3] })).map((c) => c.index)).toEqual([0]);
    expect(scanEnd2End(out, 0, K, cols, 32, resolveDecodeOptions({ classes: [3, 2] })).map((c) => c.index)).toEqual([0, 3, 4]);
    expect(scanEnd2End(out, 1, K, cols, 32, resolveDecodeOptions({ conf: 0 }))).toEqual([]);
  });
});

describe('scaleBoxToOriginal', () => {
  const bus: LetterboxGeometry = { srcWidth: 810, srcHeight: 1080, dstWidth: 640, dstHeight: 640, ratio: 640 / 1080, newWidth: 480, newHeight: 640, left: 80, top: 0, right: 80, bottom: 0 };
  const zidane: LetterboxGeometry = { srcWidth: 1280, srcHeight: 720, dstWidth: 640, dstHeight: 640, ratio: 0.5, newWidth: 640, newHeight: 360, left: 0, top: 140, right: 0, bottom: 140 };

  it('bus.jpg 810x1080 -> 640: the content area maps to the whole image', () => {
    expect(scaleBoxToOriginal(cand(80, 0, 560, 640, 1), bus)).toEqual([0, 0, 810, 1080]);
    const [x1, y1, x2, y2] = scaleBoxToOriginal(cand(100, 50, 200, 300, 1), bus);
    expect(x1).toBeCloseTo(33.75, 4);
    expect(y1).toBeCloseTo(84.375, 4);
    expect(x2).toBeCloseTo(202.5, 4);
    expect(y2).toBeCloseTo(506.25, 4);
  });

  it('zidane.jpg 1280x720 -> 640: top pad 140, ratio 0.5, clipped', () => {
    expect(scaleBoxToOriginal(cand(0, 140, 640, 500, 1), zidane)).toEqual([0, 0, 1280, 720]);
    expect(scaleBoxToOriginal(cand(10.5, 150.25, 20, 160, 1), zidane)).toEqual([21, 20.5, 40, 40]);
    expect(scaleBoxToOriginal(cand(-30, 100, 700, 600, 1), zidane)).toEqual([0, 0, 1280, 720]);
  });
});
