/**
 * IEEE 754 half-precision conversions (round to nearest even), for fp16 initializers.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The largest finite half value. */
export const FLOAT16_MAX = 65504;

/** float32 -> half bits, round-to-nearest-even; overflow becomes ±Infinity, NaN stays NaN. */
export function float32ToHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // subnormal half (or zero): shift the implicit-1 mantissa into place, rounding to even
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const rounded = rem > mid || (rem === mid && (half & 1) === 1) ? half + 1 : half;
    return sign | rounded;
  }
  const rem = mant & 0x1fff;
  let bits = (e << 10) | (mant >>> 13);
  if (rem > 0x1000 || (rem === 0x1000 && (bits & 1) === 1)) bits++; // may carry into the exponent: still right
  return sign | bits;
}

/** half bits -> float32 value. */
export function halfBitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts values to half bits, clamping finite values to ±65504 so none overflow to Inf. */
export function float32ArrayToHalf(values: ArrayLike<number>, clamp = true): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    let v = values[i]!;
    if (clamp && Number.isFinite(v)) v = Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, v));
    out[i] = float32ToHalfBits(v);
  }
  return out;
}

export function halfArrayToFloat32(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat32(bits[i]!);
  return out;
}
