import { describe, expect, it } from 'vitest';
import { capabilities } from '../lib/capabilities.js';
import { assembleMasksCompact } from '../lib/decode/masks.js';
import { scanRawHead } from '../lib/decode/candidates.js';
import { nms } from '../lib/decode/nms.js';
import { resolveDecodeOptions } from '../lib/decode/options.js';
import { YoloeTrtError } from '../lib/errors.js';
import { decodeImage } from '../lib/image/decode.js';
import { letterboxGeometry } from '../lib/image/letterbox.js';
import { letterboxInto, letterboxU8 } from '../lib/image/pack.js';
import { loadAddon } from '../lib/native/addon.js';
import {
  nativeAbsHistogram,
  nativeAssembleMasksCompact,
  nativeAssembleMasksCompactAsync,
  nativeLetterboxInto,
  nativeLetterboxIntoAsync,
  nativeLetterboxU8,
  nativeNms,
  nativeNmsAsync,
  nativeScanRawHead,
  nativeScanRawHeadAsync,
} from '../lib/native/kernels.js';
import type { Candidate, DecodeOptions, RgbImage } from '../lib/types.js';
import { IMAGES } from './fixtures.js';
import { rng } from './random.js';


function randomImage(w: number, h: number, r: () => number): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256);
  return { data, width: w, height: h };
}

/** A raw head [C, N] (or [N, C]) with boxes in pixels and scores skewed low, like a real head. */
function randomHead(nc: number, nm: number, n: number, transposed: boolean, r: () => number): Float32Array {
  const c = 4 + nc + nm;
  const head = new Float32Array(c * n);
  const at = (k: number, a: number): number => (transposed ? a * c + k : k * n + a);
  for (let a = 0; a < n; a++) {
    const cx = r() * 640;
    const cy = r() * 640;
    head[at(0, a)] = cx;
    head[at(1, a)] = cy;
    head[at(2, a)] = 5 + r() * 200;
    head[at(3, a)] = 5 + r() * 200;
    for (let k = 4; k < 4 + nc; k++) head[at(k, a)] = r() ** 4;
    for (let k = 4 + nc; k < c; k++) head[at(k, a)] = r() * 2 - 1;
  }
  return head;
}

/** Byte equality of two typed arrays (vitest's toEqual is slow on millions of elements). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

async function expectCode(fn: () => unknown, code: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected an error').toBeInstanceOf(YoloeTrtError);
  expect((caught as YoloeTrtError).code).toBe(code);
}

const status = loadAddon();
const binding = status.binding!;

describe('native addon', () => {
  it('loads here, from the local build or a prebuild', () => {
    expect(status.error).toBeUndefined();
    expect(status.binding).not.toBeNull();
    expect(['build', 'prebuild']).toContain(status.source);
  });

  it('reports its capabilities without a GPU or driver and never throws', async () => {
    const report = await capabilities();
    expect(report.addon.loaded).toBe(true);
    expect(report.addon.napi).toBe(8);
    expect(report.addon.version).toMatch(/^\d+\.\d+\.\d+/);
    // the report passes the addon's own answer through (versions as "12.6" strings)
    const native = binding.capabilities();
    expect(report.cuda.compiled).toBe(native.cuda.compiled);
    expect(report.cuda.devices).toEqual(native.cuda.devices);
    expect(report.backends.cpu.usable).toBe(true);
    expect(report.backends.cpu.onnxruntimeVersion).toMatch(/^\d+\./);
    if (report.cuda.devices.length === 0) {
      // no GPU here: the TensorRT backend is unusable and says why and what to do
      expect(report.backends.tensorrt.usable).toBe(false);
      expect(report.backends.tensorrt.reason).toBeTruthy();
      expect(report.backends.tensorrt.fix).toBeTruthy();
    }
    if (report.cuda.compiled && report.cuda.driverVersion === null) expect(report.cuda.error).toMatch(/cuda/i);
  });
});

describe('native letterbox equals lib/image (bit-exact)', () => {
  it('bus.jpg to 640x640: uint8 canvas, float32 and fp16 planes', async () => {
    const img = await decodeImage(IMAGES.bus());
    const g = letterboxGeometry(img.width, img.height, 640, 640);
    expect(sameBytes(nativeLetterboxU8(img, g), letterboxU8(img, g))).toBe(true);
    const ts32 = new Float32Array(3 * 640 * 640);
    const nat32 = new Float32Array(3 * 640 * 640);
    letterboxInto(img, g, ts32);
    nativeLetterboxInto(img, g, nat32);
    expect(sameBytes(nat32, ts32)).toBe(true);
    const ts16 = new Uint16Array(3 * 640 * 640);
    const nat16 = new Uint16Array(3 * 640 * 640);
    letterboxInto(img, g, ts16);
    nativeLetterboxInto(img, g, nat16);
    expect(sameBytes(nat16, ts16)).toBe(true);
  });

  it('odd sizes, upscaling, exact 2x shrink, unchanged size, other pads and batch offsets', () => {
    const r = rng(1);
    const cases: [number, number, number, number, number][] = [
      [37, 23, 64, 64, 114],
      [1, 1, 32, 32, 0],
      [1280, 1280, 640, 640, 114],
      [640, 480, 640, 640, 255],
      [333, 999, 96, 160, 7],
      [2, 200, 64, 64, 114],
    ];
    for (const [w, h, W, H, pad] of cases) {
      const img = randomImage(w, h, r);
      const g = letterboxGeometry(w, h, W, H);
      expect(sameBytes(nativeLetterboxU8(img, g, { padValue: pad }), letterboxU8(img, g, { padValue: pad }))).toBe(true);
      const size = 3 * W * H;
      const ts = new Float32Array(2 * size);
      const nat = new Float32Array(2 * size);
      letterboxInto(img, g, ts, size, { padValue: pad });
      nativeLetterboxInto(img, g, nat, size, { padValue: pad });
      expect(sameBytes(nat, ts)).toBe(true);
    }
  });
});

describe('native candidate scan and NMS equal lib/decode (exact)', () => {
  const variants: Partial<DecodeOptions>[] = [{}, { conf: 0.1, multiLabel: true }, { conf: 0.3, classes: [0, 2, 5, 99] }, { conf: 0.05, maxNms: 50 }, { classes: [] }];
  for (const transposed of [false, true]) {
    for (const v of variants) {
      it(`scanRawHead ${transposed ? '[N, C]' : '[C, N]'} ${JSON.stringify(v)}`, () => {
        const r = rng(transposed ? 11 : 12);
        const nc = 12;
        const head = randomHead(nc, 3, 500, transposed, r);
        const opts = resolveDecodeOptions(v);
        const want = scanRawHead(head, 0, 4 + nc + 3, 500, nc, opts, transposed);
        expect(nativeScanRawHead(head, 0, 4 + nc + 3, 500, nc, opts, transposed)).toEqual(want);
      });
    }
  }

  it('[1, 84, 8400] batch of two, second image, float32 and fp16 head', () => {
    const r = rng(5);
    const one = randomHead(80, 0, 8400, false, r);
    const two = new Float32Array(2 * one.length);
    two.set(randomHead(80, 0, 8400, false, r));
    two.set(one, one.length);
    const opts = resolveDecodeOptions({});
    expect(nativeScanRawHead(two, 1, 84, 8400, 80, opts, false)).toEqual(scanRawHead(two, 1, 84, 8400, 80, opts, false));
    // fp16: the native scan widens each half exactly, so it equals the TS scan of the widened head
    const bits = new Uint16Array(one.length);
    const widened = new Float32Array(one.length);
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let i = 0; i < one.length; i++) {
      f[0] = one[i];
      // truncate to fp16 precision by keeping 10 mantissa bits (values are normal and < 65504)
      u[0] &= 0xffffe000;
      widened[i] = f[0];
      const e = ((u[0] >>> 23) & 0xff) - 127 + 15;
      bits[i] = f[0] === 0 || e <= 0 ? 0 : ((u[0] >>> 16) & 0x8000) | (e << 10) | ((u[0] >>> 13) & 0x3ff);
      if (bits[i] === 0) widened[i] = 0;
    }
    expect(nativeScanRawHead(bits, 0, 84, 8400, 80, opts, false)).toEqual(scanRawHead(widened, 0, 84, 8400, 80, opts, false));
  });

  it('NMS: class-aware, agnostic, maxDet, ties', () => {
    const r = rng(3);
    const head = randomHead(4, 0, 3000, false, r);
    const cands = scanRawHead(head, 0, 8, 3000, 4, resolveDecodeOptions({ conf: 0.01, maxNms: 30000 }), false);
    // quantised scores make ties common, which exercises the stable order
    const tied: Candidate[] = cands.map((c) => ({ ...c, score: Math.fround(Math.round(c.score * 20) / 20) }));
    expect(tied.length).toBeGreaterThan(500);
    for (const o of [{ iou: 0.7, maxDet: 300, agnostic: false }, { iou: 0.45, maxDet: 300, agnostic: true }, { iou: 0.5, maxDet: 7, agnostic: false }, { iou: 0, maxDet: 1000, agnostic: false }]) {
      expect(nativeNms(tied, o)).toEqual(nms(tied, o));
    }
    expect(nativeNms([], { iou: 0.7, maxDet: 300, agnostic: false })).toEqual([]);
  });
});

describe('native masks equal lib/decode assembleMasksCompact (exact)', () => {
  for (const retina of [false, true]) {
    it(`810x1080 in 640x640, protos 160x160, retina ${retina}`, () => {
      const r = rng(retina ? 21 : 22);
      const nm = 32;
      const ph = 160;
      const pw = 160;
      const protos = Float32Array.from({ length: nm * ph * pw }, () => r() * 2 - 1);
      const n = 12;
      const coeffs = Float32Array.from({ length: n * nm }, () => r() * 2 - 1);
      coeffs[3] = 0;
      const boxes = new Float32Array(4 * n);
      for (let d = 0; d < n; d++) {
        const x = Math.fround(r() * 700 - 30);
        const y = Math.fround(r() * 700 - 30);
        boxes.set([x, y, Math.fround(x + r() * 300), Math.fround(y + r() * 300)], 4 * d);
      }
      const g = letterboxGeometry(810, 1080, 640, 640);
      const want = assembleMasksCompact(protos, nm, ph, pw, coeffs, boxes, g, { retina });
      const got = nativeAssembleMasksCompact(protos, nm, ph, pw, coeffs, boxes, g, { retina });
      expect(got.length).toBe(want.length);
      for (let i = 0; i < n; i++) {
        expect({ ...got[i], data: Array.from(got[i].data) }).toEqual({ ...want[i], data: Array.from(want[i].data) });
      }
    });
  }

  it('small odd geometry (zidane-like, upscaled, degenerate boxes)', () => {
    const r = rng(8);
    const nm = 4;
    const protos = Float32Array.from({ length: nm * 12 * 16 }, () => r() * 2 - 1);
    const boxes = Float32Array.from([10, 5, 40, 30, -5, -5, 2, 2, 30, 30, 30, 30, 0, 0, 64, 48, Number.NaN, 0, 10, 10]);
    const coeffs = Float32Array.from({ length: 5 * nm }, () => r() * 2 - 1);
    const g = letterboxGeometry(33, 20, 64, 48);
    for (const retina of [false, true]) {
      const want = assembleMasksCompact(protos, nm, 12, 16, coeffs, boxes, g, { retina });
      const got = nativeAssembleMasksCompact(protos, nm, 12, 16, coeffs, boxes, g, { retina });
      expect(got.map((m) => ({ ...m, data: Array.from(m.data) }))).toEqual(want.map((m) => ({ ...m, data: Array.from(m.data) })));
    }
  });
});

describe('native histogram', () => {
  it('accumulates |x| into equal bins, NaN apart, clipping into the last bin', () => {
    const r = rng(4);
    const values = Float32Array.from({ length: 5000 }, () => (r() * 2 - 1) * 3);
    values[7] = Number.NaN;
    values[8] = -1e9;
    const counts = new Float64Array(2048);
    const stats = nativeAbsHistogram(values, counts, 2.5);
    const want = new Float64Array(2048);
    let clipped = 0;
    for (const v of values) {
      if (Number.isNaN(v)) continue;
      const a = Math.abs(v);
      if (a > 2.5) clipped++;
      want[Math.min(2047, Math.floor(a * (2048 / 2.5)))]++;
    }
    expect(counts).toEqual(want);
    expect(stats).toEqual({ count: 4999, nan: 1, clipped, maxAbs: 1e9 });
    nativeAbsHistogram(values, counts, 2.5);
    expect(counts[0]).toBe(2 * want[0]);
  });
});

describe('native validation: typed errors, never a crash', () => {
  const job = () => ({ src: new Uint8Array(12), width: 2, height: 2, dstWidth: 4, dstHeight: 4, newWidth: 4, newHeight: 2, left: 0, top: 1 });

  it('rejects wrong typed arrays, huge, negative, NaN and fractional sizes', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ src: new Float32Array(12) }, 'ERR_INVALID_OPTION'],
      [{ src: [1, 2, 3] }, 'ERR_INVALID_OPTION'],
      [{ width: 1e12 }, 'ERR_INVALID_OPTION'],
      [{ width: -1 }, 'ERR_INVALID_OPTION'],
      [{ height: Number.NaN }, 'ERR_INVALID_OPTION'],
      [{ dstWidth: 2.5 }, 'ERR_INVALID_OPTION'],
      [{ padValue: 256 }, 'ERR_INVALID_OPTION'],
      [{ output: 'int8' }, 'ERR_INVALID_OPTION'],
      [{ src: new Uint8Array(11) }, 'ERR_SHAPE'],
      [{ left: 1 }, 'ERR_SHAPE'],
      [{ width: 65536, height: 65536 }, 'ERR_SHAPE'],
      [{ stride: 5 }, 'ERR_INVALID_OPTION'],
      [{ out: new Float32Array(10) }, 'ERR_SHAPE'],
      [{ out: new Uint16Array(48) }, 'ERR_INVALID_OPTION'],
      [{ out: new Float32Array(48), offset: -1 }, 'ERR_INVALID_OPTION'],
    ];
    const { fromNativeError } = await import('../lib/native/errors.js');
    for (const [patch, code] of bad) {
      const j = { ...job(), ...patch };
      await expectCode(() => {
        try {
          binding.letterbox(j as never);
        } catch (e) {
          throw fromNativeError(e);
        }
      }, code);
      await expectCode(async () => {
        try {
          await binding.letterboxAsync(j as never);
        } catch (e) {
          throw fromNativeError(e);
        }
      }, code);
    }
    // the raw binding (no wrapper) already carries the code on its Error
    let raw: unknown;
    try {
      binding.letterbox(null as never);
    } catch (e) {
      raw = e;
    }
    expect(raw).toBeInstanceOf(Error);
    expect((raw as { code: string }).code).toBe('ERR_INVALID_OPTION');
  });

  it('scan, NMS and masks validate sizes with 64-bit overflow checks', async () => {
    const opts = resolveDecodeOptions({});
    await expectCode(() => nativeScanRawHead(new Float32Array(10), 0, 84, 8400, 80, opts, false), 'ERR_SHAPE');
    await expectCode(() => nativeScanRawHead(new Float32Array(10), 0, 2 ** 31 - 1, 2 ** 31 - 1, 80, opts, false), 'ERR_SHAPE');
    await expectCode(() => nativeScanRawHead(new Float32Array(84), 3, 84, 1, 80, opts, false), 'ERR_SHAPE');
    await expectCode(() => nativeScanRawHead(new Float32Array(84), 0, 10, 1, 80, opts, false), 'ERR_INVALID_OPTION');
    await expectCode(() => nativeScanRawHead(new Float64Array(84) as never, 0, 84, 1, 80, opts, false), 'ERR_INVALID_OPTION');
    await expectCode(() => nativeScanRawHead(new Float32Array(84), 0, 84, 1, 80, { ...opts, conf: Number.NaN }, false), 'ERR_INVALID_OPTION');
    await expectCode(() => nativeScanRawHeadAsync(new Float32Array(84), 0, 84, -1, 80, opts, false), 'ERR_INVALID_OPTION');
    const { callNative } = await import('../lib/native/errors.js');
    await expectCode(() => callNative(() => binding.nms({ boxes: new Float32Array(3), scores: new Float32Array(1), classIds: new Int32Array(1) })), 'ERR_SHAPE');
    await expectCode(() => callNative(() => binding.nms({ boxes: new Float32Array(4), scores: new Float32Array(1), classIds: new Int32Array(1), iou: 2 })), 'ERR_INVALID_OPTION');
    const g = letterboxGeometry(810, 1080, 640, 640);
    await expectCode(() => nativeAssembleMasksCompact(new Float32Array(10), 32, 160, 160, new Float32Array(32), new Float32Array(4), g), 'ERR_SHAPE');
    await expectCode(() => nativeAssembleMasksCompact(new Float32Array(32 * 4), 32, 2, 2, new Float32Array(31), new Float32Array(4), g), 'ERR_SHAPE');
    await expectCode(() => nativeAssembleMasksCompact(new Float32Array(32 * 4), 32, 2, 2, new Float32Array(32), new Float32Array(4), { ...g, ratio: Number.NaN }), 'ERR_INVALID_OPTION');
    await expectCode(() => nativeAssembleMasksCompactAsync(new Float32Array(4), 1, 65536, 65536, new Float32Array(1), new Float32Array(4), g), 'ERR_SHAPE');
    await expectCode(() => nativeAbsHistogram(new Float32Array(3), new Float64Array(0), 1), 'ERR_SHAPE');
    await expectCode(() => nativeAbsHistogram(new Float32Array(3), new Float64Array(8), 0), 'ERR_INVALID_OPTION');
  });

  it('garbage tensors (NaN, inf, huge) give results, not crashes', () => {
    const r = rng(99);
    const garbage = [Number.NaN, Infinity, -Infinity, 3.4e38, -1e30, 0];
    const head = Float32Array.from({ length: 84 * 300 }, () => (r() < 0.5 ? garbage[Math.floor(r() * garbage.length)] : r()));
    const opts = resolveDecodeOptions({ conf: 0.01, multiLabel: true });
    const want = scanRawHead(head, 0, 84, 300, 80, opts, false);
    const got = nativeScanRawHead(head, 0, 84, 300, 80, opts, false);
    expect(got).toEqual(want);
    expect(nativeNms(got, opts)).toEqual(nms(want, opts));
    const protos = Float32Array.from({ length: 4 * 8 * 8 }, () => garbage[Math.floor(r() * garbage.length)]);
    const boxes = Float32Array.from({ length: 4 * 6 }, () => garbage[Math.floor(r() * garbage.length)] * r() * 10);
    const coeffs = Float32Array.from({ length: 6 * 4 }, () => garbage[Math.floor(r() * garbage.length)]);
    const g = letterboxGeometry(50, 30, 32, 32);
    const m = nativeAssembleMasksCompact(protos, 4, 8, 8, coeffs, boxes, g);
    const t = assembleMasksCompact(protos, 4, 8, 8, coeffs, boxes, g);
    expect(m.map((x) => [x.x0, x.y0, x.x1, x.y1, Array.from(x.data)])).toEqual(t.map((x) => [x.x0, x.y0, x.x1, x.y1, Array.from(x.data)]));
  });
});

describe('native async: concurrent calls equal sync', () => {
  it('16 concurrent letterbox / scan / NMS / masks jobs', async () => {
    const r = rng(77);
    const imgs = Array.from({ length: 8 }, (_, i) => randomImage(100 + 37 * i, 90 + 23 * i, r));
    const heads = Array.from({ length: 8 }, () => randomHead(20, 4, 2000, false, r));
    const opts = resolveDecodeOptions({ conf: 0.2 });
    const syncTensors = imgs.map((img) => {
      const out = new Float32Array(3 * 320 * 320);
      nativeLetterboxInto(img, letterboxGeometry(img.width, img.height, 320, 320), out);
      return out;
    });
    const syncCands = heads.map((h) => nativeScanRawHead(h, 0, 28, 2000, 20, opts, false));
    const protos = Float32Array.from({ length: 4 * 80 * 80 }, () => r() * 2 - 1);
    const g = letterboxGeometry(400, 300, 320, 320);
    const asyncTensors = imgs.map(() => new Float32Array(3 * 320 * 320));
    const results = await Promise.all([
      ...imgs.map((img, i) => nativeLetterboxIntoAsync(img, letterboxGeometry(img.width, img.height, 320, 320), asyncTensors[i])),
      ...heads.map((h) => nativeScanRawHeadAsync(h, 0, 28, 2000, 20, opts, false)),
    ]);
    asyncTensors.forEach((t, i) => expect(sameBytes(t, syncTensors[i])).toBe(true));
    results.slice(imgs.length).forEach((c, i) => expect(c).toEqual(syncCands[i]));
    const nmsAsync = await Promise.all(syncCands.map((c) => nativeNmsAsync(c, opts)));
    nmsAsync.forEach((k, i) => expect(k).toEqual(nativeNms(syncCands[i], opts)));
    const boxes = Float32Array.from([10, 10, 200, 200, 50, 60, 300, 310]);
    const coeffs = Float32Array.from({ length: 8 }, () => r() * 2 - 1);
    const masks = await Promise.all(Array.from({ length: 6 }, () => nativeAssembleMasksCompactAsync(protos, 4, 80, 80, coeffs, boxes, g)));
    const syncMasks = nativeAssembleMasksCompact(protos, 4, 80, 80, coeffs, boxes, g);
    for (const m of masks) expect(m.map((x) => Array.from(x.data))).toEqual(syncMasks.map((x) => Array.from(x.data)));
  });
});
