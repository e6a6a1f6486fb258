import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resizeBilinearU8 } from '../lib/image/resize.js';

/** The deterministic image of scripts/measure-letterbox-vs-opencv.py (`synthetic`). */
function synthetic(w: number, h: number, c: number): Uint8Array {
  const out = new Uint8Array(w * h * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) {
    out[(y * w + x) * c + k] = ((x * 7 + y * 13 + k * 31) * (x + 2 * y + 3) + k * 17) % 256;
  }
  return out;
}

/** Deterministic noise (32-bit LCG), the hardest case for rounding. */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/**
 * Independent, plain floating-point bilinear resize with half-pixel centres and edge clamping:
 * what INTER_LINEAR means mathematically, without OpenCV's fixed point.
 */
function floatBilinear(src: Uint8Array, sw: number, sh: number, c: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * c);
  const axis = (d: number, n: number, m: number): [number, number, number] => {
    const s = Math.min(Math.max((d + 0.5) * (n / m) - 0.5, 0), n - 1);
    const i0 = Math.floor(s);
    return [i0, Math.min(i0 + 1, n - 1), s - i0];
  };
  for (let y = 0; y < dh; y++) {
    const [y0, y1, fy] = axis(y, sh, dh);
    for (let x = 0; x < dw; x++) {
      const [x0, x1, fx] = axis(x, sw, dw);
      for (let k = 0; k < c; k++) {
        const p = (yy: number, xx: number) => src[(yy * sw + xx) * c + k]!;
        const top = p(y0, x0) * (1 - fx) + p(y0, x1) * fx;
        const bottom = p(y1, x0) * (1 - fx) + p(y1, x1) * fx;
        out[(y * dw + x) * c + k] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return out;
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

interface GoldenCase { srcWidth: number; srcHeight: number; channels: number; dstWidth: number; dstHeight: number; base64: string }
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'resize-cv2.json'), 'utf8')) as { opencv: string; cases: GoldenCase[] };

describe('resizeBilinearU8 vs real cv2.resize(INTER_LINEAR) (golden values from OpenCV ' + golden.opencv + ')', () => {
  for (const g of golden.cases) {
    it(`${g.srcWidth}x${g.srcHeight}x${g.channels} -> ${g.dstWidth}x${g.dstHeight} is bit-identical`, () => {
      const src = synthetic(g.srcWidth, g.srcHeight, g.channels);
      const expected = new Uint8Array(Buffer.from(g.base64, 'base64'));
      const ours = resizeBilinearU8(src, g.srcWidth, g.srcHeight, g.channels, g.dstWidth, g.dstHeight);
      expect(ours.length).toBe(g.dstWidth * g.dstHeight * g.channels);
      expect(maxDiff(ours, expected)).toBe(0);
    });
  }

  it('covers up- and downscaling, 1, 3 and 4 channels, the exact-2x path and the identity', () => {
    const kinds = golden.cases.map((g) => (g.srcWidth === g.dstWidth ? 'same' : g.srcWidth === 2 * g.dstWidth && g.srcHeight === 2 * g.dstHeight ? 'half' : g.dstWidth > g.srcWidth ? 'up' : 'down'));
    expect(new Set(kinds)).toEqual(new Set(['same', 'half', 'up', 'down']));
    expect(new Set(golden.cases.map((g) => g.channels))).toEqual(new Set([1, 3, 4]));
  });
});

describe('resizeBilinearU8 vs an independent float bilinear', () => {
  const sizes: [number, number, number, number][] = [
    [37, 23, 64, 40], [37, 23, 11, 7], [200, 150, 640, 480], [810, 108, 48, 64], [13, 29, 13, 5],
    [333, 517, 211, 97], [64, 64, 32, 32], [5, 1, 17, 3], [1, 1, 4, 4], [97, 61, 300, 61],
  ];
  for (const [sw, sh, dw, dh] of sizes) {
    it(`${sw}x${sh} -> ${dw}x${dh}: within 1 grey level everywhere`, () => {
      for (const src of [synthetic(sw, sh, 3), noise(sw * sh * 3, sw * 31 + sh)]) {
        const ours = resizeBilinearU8(src, sw, sh, 3, dw, dh);
        expect(maxDiff(ours, floatBilinear(src, sw, sh, 3, dw, dh))).toBeLessThanOrEqual(1);
      }
    });
  }

  it('works for 1, 2 and 4 channels too', () => {
    for (const c of [1, 2, 4]) {
      const src = noise(45 * 31 * c, c);
      expect(maxDiff(resizeBilinearU8(src, 45, 31, c, 70, 20), floatBilinear(src, 45, 31, c, 70, 20))).toBeLessThanOrEqual(1);
    }
  });

  it('keeps flat images flat and does not smooth on the identity', () => {
    const flat = new Uint8Array(50 * 40 * 3).fill(200);
    expect(resizeBilinearU8(flat, 50, 40, 3, 123, 17).every((v) => v === 200)).toBe(true);
    const src = noise(30 * 20 * 3, 9);
    expect(resizeBilinearU8(src, 30, 20, 3, 30, 20)).toEqual(src);
  });

  it('an exact 2x shrink averages 2x2 blocks with +2 >> 2 rounding (OpenCV INTER_AREA fast path)', () => {
    const src = new Uint8Array([1, 2, 10, 10, 3, 4, 10, 11]); // 4x2, 1 channel
    expect(Array.from(resizeBilinearU8(src, 4, 2, 1, 2, 1))).toEqual([(1 + 2 + 3 + 4 + 2) >> 2, (10 + 10 + 10 + 11 + 2) >> 2]);
  });

  it('writes into a caller buffer and rejects bad arguments', () => {
    const out = new Uint8Array(10 * 10 * 3);
    const src = synthetic(20, 30, 3);
    expect(resizeBilinearU8(src, 20, 30, 3, 10, 10, out)).toBe(out);
    expect(() => resizeBilinearU8(src, 20, 30, 3, 11, 10, out)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => resizeBilinearU8(src, 20, 31, 3, 10, 10)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => resizeBilinearU8(src, 20, 30, 5, 10, 10)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => resizeBilinearU8(src, 20, 30, 3, 0, 10)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});
