import { YoloeTrtError, invalidOption } from '../errors.js';
import { pythonRound } from './round.js';

/**
 * OpenCV `cv2.resize(src, (dstW, dstH), interpolation=cv2.INTER_LINEAR)` on interleaved uint8,
 * reproduced operation for operation (OpenCV 4.x `resize.cpp`, generic fixed-point path):
 *
 * - source coordinate `f = float32((d + 0.5) * (1 / (dst / src)) - 0.5)`, `s = floor(f)`,
 *   fraction `f - s` in float32; weights `cvRound((1 - f) * 2048)` and `cvRound(f * 2048)`
 *   (INTER_RESIZE_COEF_BITS = 11, ties to even).
 * - columns: `s < 0` or `s >= w - 1` clamp to the edge pixel with weights (2048, 0).
 * - rows: the weights are NOT reset at the edges; both row indices are clipped instead.
 * - horizontal pass into int32: `S = p0 * a0 + p1 * a1`.
 * - vertical pass: `(((b0 * (S0 >> 4)) >> 16) + ((b1 * (S1 >> 4)) >> 16) + 2) >> 2`
 *   (OpenCV's uint8 specialisation; the >> 4 keeps the product in 16-bit lanes).
 * - an exact 2x shrink in both directions takes OpenCV's INTER_AREA fast path instead:
 *   `(a + b + c + d + 2) >> 2` over each 2 x 2 block (for uint8 this equals the generic path's
 *   result bit for bit, weights being 1024/1024; it is kept as the cheaper loop).
 * - an unchanged size is a copy.
 *
 * No anti-aliasing when shrinking, by design: that is what Ultralytics feeds its models.
 *
 * @param out optional destination of at least `dstW * dstH * channels` bytes
 * @example
 * const small = resizeBilinearU8(rgb, 810, 1080, 3, 480, 640);
 */
export function resizeBilinearU8(
  src: Uint8Array,
  srcW: number,
  srcH: number,
  channels: number,
  dstW: number,
  dstH: number,
  out?: Uint8Array,
): Uint8Array {
  for (const [name, v] of [['srcWidth', srcW], ['srcHeight', srcH], ['dstWidth', dstW], ['dstHeight', dstH]] as const) {
    if (!Number.isInteger(v) || v < 1) throw invalidOption(name, 'a positive integer', v);
  }
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) throw invalidOption('channels', 'an integer between 1 and 4', channels);
  if (!(src instanceof Uint8Array)) throw invalidOption('src', 'a Uint8Array', src);
  if (src.length < srcW * srcH * channels) {
    throw new YoloeTrtError('ERR_SHAPE', `resize source holds ${src.length} bytes, expected ${srcW * srcH * channels} (${srcW}x${srcH}x${channels})`);
  }
  const dstLen = dstW * dstH * channels;
  const dst = out ?? new Uint8Array(dstLen);
  if (dst.length < dstLen) {
    throw new YoloeTrtError('ERR_SHAPE', `resize destination holds ${dst.length} bytes, expected at least ${dstLen}`);
  }

  if (srcW === dstW && srcH === dstH) {
    dst.set(src.subarray(0, dstLen));
  } else if (srcW === 2 * dstW && srcH === 2 * dstH) {
    halve(src, srcW, channels, dstW, dstH, dst);
  } else {
    resizeLinear(src, srcW, srcH, channels, dstW, dstH, dst);
  }
  return dst;
}

const COEF_SCALE = 2048;

/** Per destination index: the two source indices (already multiplied by `stride`) and the two 11-bit weights. */
interface Taps {
  i0: Int32Array;
  i1: Int32Array;
  w0: Int32Array;
  w1: Int32Array;
}

/**
 * OpenCV's coefficient table for one axis. `clampWeights` is true for columns (OpenCV resets
 * the fraction at the borders) and false for rows (it only clips the row indices).
 */
function taps(srcLen: number, dstLen: number, stride: number, clampWeights: boolean): Taps {
  const scale = 1 / (dstLen / srcLen);
  const t: Taps = { i0: new Int32Array(dstLen), i1: new Int32Array(dstLen), w0: new Int32Array(dstLen), w1: new Int32Array(dstLen) };
  for (let d = 0; d < dstLen; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampWeights) {
      if (s < 0) {
        s = 0;
        f = 0;
      }
      if (s >= srcLen - 1) {
        s = srcLen - 1;
        f = 0;
      }
    }
    const s0 = Math.min(Math.max(s, 0), srcLen - 1);
    const s1 = Math.min(Math.max(s + 1, 0), srcLen - 1);
    t.i0[d] = s0 * stride;
    t.i1[d] = s1 * stride;
    t.w0[d] = pythonRound(Math.fround(1 - f) * COEF_SCALE);
    t.w1[d] = pythonRound(f * COEF_SCALE);
  }
  return t;
}

/** Horizontal pass of one 3-channel source row into int32 (11-bit fixed point); the hot loop, kept small. */
function hpass3(src: Uint8Array, rowStart: number, i0: Int32Array, i1: Int32Array, w0: Int32Array, w1: Int32Array, dstW: number, outRow: Int32Array): void {
  for (let dx = 0, o = 0; dx < dstW; dx++, o += 3) {
    const p0 = rowStart + i0[dx];
    const p1 = rowStart + i1[dx];
    const a0 = w0[dx];
    const a1 = w1[dx];
    outRow[o] = src[p0] * a0 + src[p1] * a1;
    outRow[o + 1] = src[p0 + 1] * a0 + src[p1 + 1] * a1;
    outRow[o + 2] = src[p0 + 2] * a0 + src[p1 + 2] * a1;
  }
}

/** The same for any channel count. */
function hpassN(src: Uint8Array, rowStart: number, i0: Int32Array, i1: Int32Array, w0: Int32Array, w1: Int32Array, dstW: number, outRow: Int32Array, channels: number): void {
  for (let dx = 0, o = 0; dx < dstW; dx++) {
    const p0 = rowStart + i0[dx];
    const p1 = rowStart + i1[dx];
    const a0 = w0[dx];
    const a1 = w1[dx];
    for (let c = 0; c < channels; c++, o++) outRow[o] = src[p0 + c] * a0 + src[p1 + c] * a1;
  }
}

/** Vertical pass of one destination row, OpenCV's uint8 fixed-point combination. */
function vpass(r0: Int32Array, r1: Int32Array, b0: number, b1: number, dst: Uint8Array, o: number, len: number): void {
  for (let x = 0; x < len; x++) {
    // products fit in int32 (2048 * 32640); Math.imul measured ~30% faster than `*` in this loop
    dst[o + x] = ((Math.imul(b0, r0[x] >> 4) >> 16) + (Math.imul(b1, r1[x] >> 4) >> 16) + 2) >> 2;
  }
}

function resizeLinear(src: Uint8Array, srcW: number, srcH: number, channels: number, dstW: number, dstH: number, dst: Uint8Array): void {
  const xt = taps(srcW, dstW, channels, true);
  const yt = taps(srcH, dstH, srcW * channels, false);
  const rowLen = dstW * channels;
  // two slots of horizontally filtered source rows; destination rows walk the source downwards,
  // so each source row is filtered at most once
  const slots = [new Int32Array(rowLen), new Int32Array(rowLen)];
  const slotRow = [-1, -1];
  const fetch = (start: number, avoid: number): Int32Array => {
    if (slotRow[0] === start) return slots[0];
    if (slotRow[1] === start) return slots[1];
    // refill the slot that is not in use for this row, else the one holding the older (upper) row
    const k = avoid === -1 ? (slotRow[0] <= slotRow[1] ? 0 : 1) : 1 - avoid;
    if (channels === 3) hpass3(src, start, xt.i0, xt.i1, xt.w0, xt.w1, dstW, slots[k]);
    else hpassN(src, start, xt.i0, xt.i1, xt.w0, xt.w1, dstW, slots[k], channels);
    slotRow[k] = start;
    return slots[k];
  };
  for (let dy = 0; dy < dstH; dy++) {
    const r0 = fetch(yt.i0[dy], -1);
    const r1 = fetch(yt.i1[dy], r0 === slots[0] ? 0 : 1);
    vpass(r0, r1, yt.w0[dy], yt.w1[dy], dst, dy * rowLen, rowLen);
  }
}

/** OpenCV's INTER_AREA fast path, which INTER_LINEAR takes for an exact 2x shrink. */
function halve(src: Uint8Array, srcW: number, channels: number, dstW: number, dstH: number, dst: Uint8Array): void {
  const srcRow = srcW * channels;
  let o = 0;
  for (let dy = 0; dy < dstH; dy++) {
    const r0 = 2 * dy * srcRow;
    const r1 = r0 + srcRow;
    for (let dx = 0; dx < dstW; dx++) {
      const p = 2 * dx * channels;
      for (let c = 0; c < channels; c++, o++) {
        dst[o] = (src[r0 + p + c] + src[r0 + p + channels + c] + src[r1 + p + c] + src[r1 + p + channels + c] + 2) >> 2;
      }
    }
  }
}
