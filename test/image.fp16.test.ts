import { describe, expect, it } from 'vitest';
import { FLOAT16_MAX, U8_TO_FLOAT, U8_TO_HALF, floatToHalf, fromHalfArray, halfToFloat, toHalfArray, toHalfArrayClamped } from '../lib/image/fp16.js';

describe('fp16 conversions', () => {
  it('encodes well-known values', () => {
    expect(floatToHalf(0)).toBe(0x0000);
    expect(floatToHalf(-0)).toBe(0x8000);
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(0.5)).toBe(0x3800);
    expect(floatToHalf(65504)).toBe(0x7bff); // largest finite
    expect(floatToHalf(2 ** -14)).toBe(0x0400); // smallest normal
    expect(floatToHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(floatToHalf(1 / 3)).toBe(0x3555);
    expect(floatToHalf(Infinity)).toBe(0x7c00);
    expect(floatToHalf(-Infinity)).toBe(0xfc00);
    expect(halfToFloat(floatToHalf(NaN))).toBeNaN();
  });

  it('rounds to nearest, ties to even', () => {
    const ulpAt1 = 2 ** -10;
    expect(floatToHalf(1 + ulpAt1 / 2)).toBe(0x3c00); // tie -> even (mantissa 0)
    expect(floatToHalf(1 + (3 * ulpAt1) / 2)).toBe(0x3c02); // tie between 0x3c01 and 0x3c02 -> even
    expect(floatToHalf(1 + ulpAt1 / 2 + 2 ** -30)).toBe(0x3c01); // just above the tie
    expect(floatToHalf(65519.99)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00); // tie between 65504 and 65536 -> even = infinity
    expect(floatToHalf(1e6)).toBe(0x7c00);
    expect(floatToHalf(2 ** -25)).toBe(0x0000); // tie between 0 and the smallest subnormal -> 0
    expect(floatToHalf(2 ** -25 + 2 ** -40)).toBe(0x0001);
    expect(floatToHalf(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units -> 2
    expect(floatToHalf(2 ** -14 - 2 ** -26)).toBe(0x0400); // rounds up from subnormal into the first normal
    expect(floatToHalf(2 - 2 ** -12)).toBe(0x4000); // mantissa carry into the exponent
    expect(floatToHalf(1e-10)).toBe(0);
    expect(floatToHalf(-1e-10)).toBe(0x8000);
  });

  it('round-trips every finite half exactly', () => {
    const mismatches: number[] = [];
    for (let h = 0; h < 0x10000; h++) {
      const e = (h >> 10) & 0x1f;
      if (e !== 31 && floatToHalf(halfToFloat(h)) !== h) mismatches.push(h);
    }
    expect(mismatches).toEqual([]);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
  });

  it('array versions agree with the scalar ones (the float32 bit path vs the double path)', () => {
    const values: number[] = [0, -0, 1, -1, 65504, 65519, 65520, 70000, 2 ** -24, 2 ** -25, 3 * 2 ** -25, 1e-8, NaN, Infinity, -Infinity];
    let s = 12345;
    for (let i = 0; i < 20000; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      const mag = 2 ** ((s % 44) - 28); // 2^-28 .. 2^15
      values.push(((s >>> 8) / 2 ** 24) * mag * (s & 1 ? -1 : 1));
    }
    const f32 = new Float32Array(values);
    const halves = toHalfArray(f32);
    const bad: number[] = [];
    const back = fromHalfArray(halves);
    for (let i = 0; i < f32.length; i++) {
      const v = f32[i]!;
      if (Number.isNaN(v) ? !Number.isNaN(halfToFloat(halves[i]!)) : halves[i] !== floatToHalf(v)) bad.push(v);
      if (!Number.isNaN(v) && back[i] !== halfToFloat(halves[i]!)) bad.push(v);
    }
    expect(bad).toEqual([]);
    expect(Number.isNaN(back[values.findIndex((v) => Number.isNaN(v))]!)).toBe(true);
    // a subarray view keeps its own offset
    const view = f32.subarray(3, 9);
    expect(Array.from(toHalfArray(view))).toEqual(Array.from(halves.subarray(3, 9)));
  });

  it('the clamped array conversion keeps finite values finite (±65504) and leaves the rest as toHalfArray', () => {
    expect(Array.from(toHalfArrayClamped([1e6, -1e6, 3, 65519, Infinity, -Infinity]))).toEqual([0x7bff, 0xfbff, 0x4200, 0x7bff, 0x7c00, 0xfc00]);
    expect(halfToFloat(toHalfArrayClamped([NaN])[0]!)).toBeNaN();
    expect(FLOAT16_MAX).toBe(halfToFloat(0x7bff));
    const inRange = Float32Array.from([0, -0, 1.5, -3.25, 2 ** -24, 1 / 3, 65504]);
    expect(Array.from(toHalfArrayClamped(inRange))).toEqual(Array.from(toHalfArray(inRange)));
  });

  it('the uint8 lookup tables hold p / 255, correctly rounded', () => {
    for (let p = 0; p < 256; p++) {
      expect(U8_TO_FLOAT[p]).toBe(Math.fround(p / 255));
      const h = U8_TO_HALF[p]!;
      const err = Math.abs(halfToFloat(h) - p / 255);
      // nearest: neither neighbour is closer
      expect(Math.abs(halfToFloat(h + 1) - p / 255)).toBeGreaterThanOrEqual(err);
      if (h > 0) expect(Math.abs(halfToFloat(h - 1) - p / 255)).toBeGreaterThanOrEqual(err);
    }
    expect(U8_TO_HALF[0]).toBe(0);
    expect(U8_TO_HALF[255]).toBe(0x3c00);
    // 114 / 255 = 0.44705882... -> half 0x3727 (0.447021484375), as numpy's float16(114 / 255)
    expect(U8_TO_HALF[114]).toBe(0x3727);
  });
});
