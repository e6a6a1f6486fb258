import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from '../lib/image/letterbox.js';
import { pythonRound } from '../lib/image/round.js';

describe('pythonRound (Python 3 round: ties to even)', () => {
  it('rounds exact halves to the even neighbour', () => {
    expect(pythonRound(512.5)).toBe(512);
    expect(pythonRound(0.5)).toBe(0);
    expect(pythonRound(1.5)).toBe(2);
    expect(pythonRound(2.5)).toBe(2);
    expect(pythonRound(3.5)).toBe(4);
    expect(pythonRound(-0.5)).toBe(0);
    expect(pythonRound(-1.5)).toBe(-2);
    expect(pythonRound(-2.5)).toBe(-2);
  });

  it('rounds everything else to the nearest integer', () => {
    expect(pythonRound(0.49999999999999994)).toBe(0);
    expect(pythonRound(0.5000000000000001)).toBe(1);
    expect(pythonRound(79.9)).toBe(80);
    expect(pythonRound(80.1)).toBe(80);
    expect(pythonRound(-0.6)).toBe(-1);
    expect(pythonRound(7)).toBe(7);
    expect(pythonRound(2 ** 53)).toBe(2 ** 53);
  });

  it('rounds the exact double it is given, like Python', () => {
    // values checked with CPython 3: 2.675 * 100 is the double 267.5 -> 268; 0.1 + 0.2 + 0.2 is 0.5 -> 0
    expect(pythonRound(2.675 * 100)).toBe(268);
    expect(pythonRound(0.1 + 0.2 + 0.2)).toBe(0);
    expect(pythonRound(1.4999999999999998)).toBe(1);
    expect(pythonRound(2.5000000000000004)).toBe(3);
  });

  it('differs from Math.round exactly on ties with an even floor', () => {
    for (let i = -50; i <= 50; i++) {
      const x = i + 0.5;
      expect(pythonRound(x)).toBe(i % 2 === 0 ? i : i + 1);
    }
  });
});

describe('letterboxGeometry (Ultralytics LetterBox)', () => {
  it('bus.jpg 810x1080 -> 640x640', () => {
    const g = letterboxGeometry(810, 1080, 640, 640);
    expect(g.ratio).toBeCloseTo(0.5926, 4);
    expect(g.ratio).toBe(640 / 1080);
    expect(g).toMatchObject({ srcWidth: 810, srcHeight: 1080, newWidth: 480, newHeight: 640, left: 80, right: 80, top: 0, bottom: 0, dstWidth: 640, dstHeight: 640 });
  });

  it('zidane.jpg 1280x720 -> 640x640', () => {
    const g = letterboxGeometry(1280, 720, 640, 640);
    expect(g).toMatchObject({ ratio: 0.5, newWidth: 640, newHeight: 360, left: 0, right: 0, top: 140, bottom: 140, dstWidth: 640, dstHeight: 640 });
  });

  it('an odd pad puts the extra pixel after (round(d - 0.1), round(d + 0.1))', () => {
    // 100x99 -> 640: r = 6.4, content 640 x round(633.6) = 634, pad 6 -> 3 + 3
    expect(letterboxGeometry(100, 99, 640, 640)).toMatchObject({ newHeight: 634, top: 3, bottom: 3 });
    // 640x639 -> 640: r = 1, pad 1 -> dh = 0.5: top round(0.4) = 0, bottom round(0.6) = 1
    expect(letterboxGeometry(640, 639, 640, 640)).toMatchObject({ ratio: 1, newWidth: 640, newHeight: 639, top: 0, bottom: 1 });
    // 640x635 -> pad 5, dh = 2.5: top round(2.4) = 2, bottom round(2.6) = 3
    expect(letterboxGeometry(640, 635, 640, 640)).toMatchObject({ top: 2, bottom: 3, dstHeight: 640 });
  });

  it('rounds the content size half to even (Python round), not half up', () => {
    // 1025 x 2048 -> 1024: r = 0.5, width 512.5 -> 512 (Math.round would give 513)
    const g = letterboxGeometry(1025, 2048, 1024, 1024);
    expect(g.ratio).toBe(0.5);
    expect(g.newWidth).toBe(512);
    expect(g.left + g.right).toBe(512);
    expect(g).toMatchObject({ left: 256, right: 256 });
    // 1027 x 2048: 513.5 -> 514
    expect(letterboxGeometry(1027, 2048, 1024, 1024).newWidth).toBe(514);
    // 5 x 2 -> 3 x 3: r = 0.6, height round(1.2) = 1; width 3 -> pad 2 -> top 1, bottom 1
    expect(letterboxGeometry(5, 2, 3, 3)).toMatchObject({ newWidth: 3, newHeight: 1, top: 1, bottom: 1 });
  });

  it('pads always sum to the canvas in the default mode', () => {
    for (let w = 1; w < 200; w += 7) {
      for (let h = 1; h < 200; h += 11) {
        const g = letterboxGeometry(w, h, 96, 64);
        expect(g.newWidth + g.left + g.right).toBe(96);
        expect(g.newHeight + g.top + g.bottom).toBe(64);
        expect(g.dstWidth).toBe(96);
        expect(g.dstHeight).toBe(64);
        expect(Math.abs(g.left - g.right)).toBeLessThanOrEqual(1);
        expect(g.right >= g.left && g.bottom >= g.top).toBe(true);
      }
    }
  });

  it('auto mode shrinks to the smallest stride multiple', () => {
    // zidane: pad 280 % 32 = 24 -> 12 + 12, canvas 640 x 384
    expect(letterboxGeometry(1280, 720, 640, 640, { auto: true })).toMatchObject({ newHeight: 360, top: 12, bottom: 12, dstWidth: 640, dstHeight: 384 });
    // bus: pad 160 % 32 = 0 -> canvas 480 x 640
    expect(letterboxGeometry(810, 1080, 640, 640, { auto: true })).toMatchObject({ left: 0, right: 0, dstWidth: 480, dstHeight: 640 });
    // stride 64: 280 % 64 = 24 as well; 100x99 -> pad 6 % 64 = 6
    expect(letterboxGeometry(1280, 720, 640, 640, { auto: true, stride: 64 }).dstHeight).toBe(384);
    const g = letterboxGeometry(333, 517, 640, 640, { auto: true, stride: 32 });
    expect(g.dstWidth % 32).toBe(0);
    expect(g.dstHeight % 32).toBe(0);
    // an odd remainder: 640x631 -> pad 9 % 32 = 9 -> 4.5: top 4, bottom 5
    expect(letterboxGeometry(640, 631, 640, 640, { auto: true })).toMatchObject({ top: 4, bottom: 5, dstHeight: 640 });
  });

  it('scaleUp false never enlarges; center false pads right/bottom only', () => {
    expect(letterboxGeometry(200, 100, 640, 640, { scaleUp: false })).toMatchObject({ ratio: 1, newWidth: 200, newHeight: 100, left: 220, right: 220, top: 270, bottom: 270 });
    expect(letterboxGeometry(200, 100, 640, 640)).toMatchObject({ ratio: 3.2, newWidth: 640, newHeight: 320 });
    expect(letterboxGeometry(1280, 720, 640, 640, { center: false })).toMatchObject({ left: 0, top: 0, right: 0, bottom: 280, dstHeight: 640 });
  });

  it('keeps at least one pixel of content for extreme aspect ratios', () => {
    expect(letterboxGeometry(1, 5000, 640, 640)).toMatchObject({ newWidth: 1, newHeight: 640 });
  });

  it('rejects bad sizes and options with ERR_INVALID_OPTION', () => {
    for (const bad of [0, -1, 1.5, NaN, '640' as unknown as number]) {
      expect(() => letterboxGeometry(bad, 10, 640, 640)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
      expect(() => letterboxGeometry(10, 10, 640, bad)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    }
    expect(() => letterboxGeometry(10, 10, 640, 640, { stride: 0 })).toThrow(/Expected an integer >= 1 and <= 4096 for stride but received 0/);
    expect(() => letterboxGeometry(10, 10, 640, 640, { auto: 'yes' as unknown as boolean })).toThrow(/Expected a boolean for auto/);
  });
});
