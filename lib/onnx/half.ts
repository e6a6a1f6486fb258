/**
 * Half-precision helpers for ONNX tensors (fp16 initializers, FP16 conversion). The bit-level
 * conversions are lib/image/fp16.ts's, shared with the preprocessing; this adds what graph
 * edits need on top: clamping to the finite half range.
 */
import { floatToHalf, fromHalfArray, halfToFloat } from '../image/fp16.js';

/** The largest finite half value. */
export const FLOAT16_MAX = 65504;

/** float32 -> half bits, round-to-nearest-even; overflow becomes ±Infinity, NaN stays NaN. */
export function float32ToHalfBits(value: number): number {
  return floatToHalf(Math.fround(value));
}

/** half bits -> float32 value. */
export const halfBitsToFloat32 = halfToFloat;

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
  return fromHalfArray(bits instanceof Uint16Array ? bits : Uint16Array.from(bits));
}
