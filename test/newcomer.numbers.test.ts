// Issue 11: numbers that must never come out wrong (non-finite heads) and the mask helpers'
// failures on malformed input.
import { describe, expect, it } from 'vitest';
import { decodeBatch, detectLayout, resolveDecodeOptions } from '../lib/decode/index.js';
import { maskToRle, rleFromString, rleToMask, rleToString } from '../lib/decode/rle.js';
import { maskToPolygons } from '../lib/decode/polygons.js';
import { nativeKernelsAvailable } from '../lib/native/kernels.js';
import { YoloeTrtError } from '../lib/errors.js';
import type { LetterboxGeometry } from '../lib/types.js';

const square: LetterboxGeometry = { srcWidth: 640, srcHeight: 640, dstWidth: 640, dstHeight: 640, ratio: 1, newWidth: 640, newHeight: 640, left: 0, top: 0, right: 0, bottom: 0 };

/** A [1, 4 + nc, N] head: every anchor scores 0.9 for class 0 on a distinct box; `broken` anchors get a non-finite box value. */
function head(nc: number, N: number, broken: Map<number, number>): Float32Array {
  const out = new Float32Array((4 + nc) * N);
  for (let a = 0; a < N; a++) {
    // boxes on a grid that never overlap: NMS keeps them all
    const cx = 20 + (a % 20) * 30;
    const cy = 20 + Math.floor(a / 20) * 30;
    [cx, cy, 10, 10].forEach((v, k) => (out[k * N + a] = v));
    out[4 * N + a] = 0.9 - a * 1e-4;
  }
  for (const [a, v] of broken) out[2 * N + a] = v; // w
  return out;
}

function decodeWith(kernels: 'ts' | 'native', data: Float32Array, nc: number, N: number, opts = {}) {
  const saved = process.env.YOLOE_TRT_KERNELS;
  process.env.YOLOE_TRT_KERNELS = kernels === 'ts' ? 'ts' : '';
  try {
    const outputs = { output0: { dtype: 'float32' as const, dims: [1, 4 + nc, N], data } };
    const layout = detectLayout([{ name: 'output0', dtype: 'float32', dims: [1, 4 + nc, N] }], {});
    return decodeBatch(outputs, layout, [square], ['a', 'b'], resolveDecodeOptions(opts))[0]!;
  } finally {
    if (saved === undefined) delete process.env.YOLOE_TRT_KERNELS;
    else process.env.YOLOE_TRT_KERNELS = saved;
  }
}

describe('non-finite head values', () => {
  it('the native kernels are loaded, so both paths are really exercised', () => {
    expect(nativeKernelsAvailable()).toBe(true);
  });

  for (const kernels of ['ts', 'native'] as const) {
    it(`${kernels} path: Inf / NaN boxes are dropped and counted, never returned`, () => {
      const N = 400;
      const broken = new Map([[3, Infinity], [10, -Infinity], [200, NaN]]);
      const r = decodeWith(kernels, head(2, N, broken), 2, N);
      expect(r.stats).toEqual({ nonFinite: 3 });
      expect(r.detections).toHaveLength(300); // maxDet of the 397 finite anchors
      for (const d of r.detections) expect(d.box.every(Number.isFinite)).toBe(true);
      // the finite ones are exactly what a head without the broken anchors gives
      const clean = head(2, N, new Map());
      for (const a of broken.keys()) clean[4 * N + a] = 0; // below conf: not a candidate
      const want = decodeWith(kernels, clean, 2, N);
      expect(r.detections).toEqual(want.detections);
      expect(want.stats).toBeUndefined();
    });

    it(`${kernels} path: an all-Inf head gives no detections, not 300 NaN boxes`, () => {
      const N = 400;
      const data = head(2, N, new Map());
      data.fill(Infinity, 0, 4 * N);
      const r = decodeWith(kernels, data, 2, N, { maxNms: 1000 });
      expect(r.detections).toEqual([]);
      expect(r.stats).toEqual({ nonFinite: N });
    });
  }
});

describe('mask helpers on malformed input', () => {
  const err = (fn: () => unknown): YoloeTrtError => {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(YoloeTrtError);
      return e as YoloeTrtError;
    }
    throw new Error('expected a failure');
  };

  it('rleToMask with a negative or fractional size is a typed error, not a RangeError', () => {
    for (const size of [[-2, 2], [2, 1.5], [2], 'x']) {
      const e = err(() => rleToMask({ size, counts: [4] } as never));
      expect(e.code).toBe('ERR_INVALID_OPTION');
      expect(e.message).toContain('for rle.size');
    }
    expect(err(() => rleToMask({ size: [2, 2], counts: [1, -3] })).code).toBe('ERR_INVALID_OPTION');
    expect(err(() => rleToMask({ size: [2, 2], counts: [1, 2] })).code).toBe('ERR_SHAPE');
  });

  it('maskToRle with data shorter or longer than width x height is ERR_SHAPE naming both', () => {
    const short = err(() => maskToRle({ width: 3, height: 2, data: new Uint8Array(5) }));
    expect(short.code).toBe('ERR_SHAPE');
    expect(short.message).toBe('A 3 x 2 mask needs 6 values but its data holds 5');
    expect(err(() => maskToRle({ width: 3, height: 2, data: new Uint8Array(7) })).code).toBe('ERR_SHAPE');
    expect(err(() => maskToRle({ width: -1, height: 2, data: new Uint8Array(0) })).code).toBe('ERR_INVALID_OPTION');
    // pycocotools: encode(np.asfortranarray([[0,1],[1,1]])) -> counts [1, 3]
    expect(maskToRle({ width: 2, height: 2, data: Uint8Array.of(0, 1, 1, 1) })).toEqual({ size: [2, 2], counts: [1, 3] });
  });

  it('rleToString / rleFromString refuse what is not an RLE', () => {
    expect(err(() => rleToString({ size: [1, 1], counts: [0.5] })).code).toBe('ERR_INVALID_OPTION');
    expect(err(() => rleFromString(42 as never, [1, 1])).code).toBe('ERR_INVALID_OPTION');
    expect(err(() => rleFromString('1', [-1, 1])).code).toBe('ERR_INVALID_OPTION');
  });

  it('maskToPolygons drops 1- and 2-point contours (pycocotools reads 4 numbers as a box)', () => {
    // cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) on this 8x6 mask: a 1-pixel dot
    // -> [[1, 1]], a 2-pixel bar -> [[4, 1], [5, 1]], a 3x3 square -> [[1,3],[1,5],[3,5],[3,3]]
    const w = 8;
    const h = 6;
    const data = new Uint8Array(w * h);
    data[1 * w + 1] = 1;
    data[1 * w + 4] = data[1 * w + 5] = 1;
    for (let y = 3; y < 6; y++) for (let x = 1; x < 4; x++) data[y * w + x] = 1;
    expect(maskToPolygons({ width: w, height: h, data })).toEqual([[1, 3, 1, 5, 3, 5, 3, 3]]);
    expect(err(() => maskToPolygons({ width: 4, height: 4, data: new Uint8Array(3) })).code).toBe('ERR_SHAPE');
  });
});
