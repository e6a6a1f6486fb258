/**
 * IEEE 754 half precision (binary16) carried as raw bits in a number / Uint16Array, the way
 * `Tensor` and ONNX float16 tensors store it; the one copy used by the preprocessing, the
 * decoders and the ONNX layer (fp16 initializers, FP16 conversion). Conversions round to
 * nearest, ties to even, keep subnormals, signed zeros, infinities and NaN.
 */

const TWO_POW_24 = 2 ** 24;

/** Rounds `x >= 0` to an integer, ties to even (exact for the magnitudes used here). */
function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * The fp16 bits nearest to `f` (a double, rounded once: no detour through float32).
 * @example floatToHalf(1) === 0x3c00; floatToHalf(65520) === 0x7c00 (rounds to infinity)
 */
export function floatToHalf(f: number): number {
  if (Number.isNaN(f)) return 0x7e00;
  const sign = f < 0 || Object.is(f, -0) ? 0x8000 : 0;
  const a = Math.abs(f);
  if (a >= 65520) return sign | 0x7c00; // 65520 is the tie between 65504 and 2^16: even -> infinity
  if (a < 2 ** -14) {
    // subnormal range: multiples of 2^-24; a result of 1024 is the smallest normal, which the bits encode as-is
    return sign | roundEven(a * TWO_POW_24);
  }
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e++;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

/** The number an fp16 bit pattern stands for. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 31) return m ? NaN : sign * Infinity;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/** float32 bits -> fp16 bits with integer operations only (exact, since the input is already float32). */
function float32BitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // a carry out of the mantissa bumps the exponent, and up to infinity, which is right
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++;
  return sign | h;
}

/** The largest finite half value. */
export const FLOAT16_MAX = 65504;

/**
 * float32 values -> fp16 bits with finite values clamped to ±65504 first, so that none
 * overflows to infinity (what an FP16 conversion of a model's weights needs).
 */
export function toHalfArrayClamped(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(values[i]!);
    out[i] = floatToHalf(Number.isFinite(v) ? Math.max(-FLOAT16_MAX, Math.min(FLOAT16_MAX, v)) : v);
  }
  return out;
}

/** Float32Array -> fp16 bits, element by element. */
export function toHalfArray(src: Float32Array): Uint16Array {
  const bits = new Uint32Array(src.buffer, src.byteOffset, src.length);
  const out = new Uint16Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = float32BitsToHalf(bits[i]);
  return out;
}

/** fp16 bits -> Float32Array (every half is exactly representable in float32). */
export function fromHalfArray(src: Uint16Array): Float32Array {
  const table = halfToFloatTable();
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = table[src[i]];
  return out;
}

let halfTable: Float32Array | undefined;
/** All 65536 halves as float32, built on first use (256 KiB). */
function halfToFloatTable(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = halfToFloat(h);
  }
  return halfTable;
}

/** `U8_TO_HALF[p]`: fp16 bits of p / 255, correctly rounded (the pack loop's lookup table). */
export const U8_TO_HALF: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let p = 0; p < 256; p++) t[p] = floatToHalf(p / 255);
  return t;
})();

/** `U8_TO_FLOAT[p]`: float32(p / 255), what `torch.float() / 255` gives. */
export const U8_TO_FLOAT: Float32Array = (() => {
  const t = new Float32Array(256);
  for (let p = 0; p < 256; p++) t[p] = p / 255;
  return t;
})();
