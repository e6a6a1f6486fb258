import { describe, expect, it } from 'vitest';
import { decodeImage } from '../lib/image/decode.js';
import { halfToFloat, toHalfArray } from '../lib/image/fp16.js';
import { letterboxGeometry } from '../lib/image/letterbox.js';
import { letterboxInto, letterboxU8, preprocess } from '../lib/image/pack.js';
import { resizeBilinearU8 } from '../lib/image/resize.js';
import type { RgbImage } from '../lib/types.js';
import { IMAGES } from './fixtures.js';

function synthetic(w: number, h: number, seed = 0): RgbImage {
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < 3; k++) {
    data[(y * w + x) * 3 + k] = ((x * 7 + y * 13 + k * 31 + seed) * (x + 2 * y + 3) + k * 17) % 256;
  }
  return { data, width: w, height: h };
}

const PAD = Math.fround(114 / 255);

describe('letterboxInto / letterboxU8', () => {
  it('writes CHW planes of the resized content / 255 with a 114 border', () => {
    const img = synthetic(50, 30);
    const g = letterboxGeometry(50, 30, 64, 64); // r = 1.28, 64 x 38, top 13, bottom 13
    expect(g).toMatchObject({ newWidth: 64, newHeight: 38, top: 13, bottom: 13, left: 0, right: 0 });
    const content = resizeBilinearU8(img.data, 50, 30, 3, 64, 38);
    const out = new Float32Array(3 * 64 * 64);
    letterboxInto(img, g, out);
    const expected = new Float32Array(3 * 64 * 64);
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < 64; y++) {
        for (let x = 0; x < 64; x++) {
          const inside = y >= g.top && y < g.top + g.newHeight;
          expected[c * 64 * 64 + y * 64 + x] = inside ? content[((y - g.top) * 64 + x) * 3 + c]! / 255 : PAD;
        }
      }
    }
    expect(out).toEqual(expected);
  });

  it('pads left and right too, and matches letterboxU8 exactly', () => {
    const img = synthetic(21, 40);
    const g = letterboxGeometry(21, 40, 32, 32); // r = 0.8, 17 x 32, pad 15 -> left 7, right 8
    expect(g).toMatchObject({ newWidth: 17, newHeight: 32, left: 7, right: 8 });
    const u8 = letterboxU8(img, g);
    expect(u8.length).toBe(32 * 32 * 3);
    const out = new Float32Array(3 * 32 * 32);
    letterboxInto(img, g, out);
    const expected = new Float32Array(3 * 32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) for (let c = 0; c < 3; c++) {
      expected[c * 1024 + y * 32 + x] = u8[(y * 32 + x) * 3 + c]! / 255;
    }
    expect(out).toEqual(expected);
    expect(u8[(5 * 32 + 3) * 3]).toBe(114); // left border
    expect(u8[(5 * 32 + 31) * 3 + 2]).toBe(114); // right border
  });

  it('skips the resize when the content keeps its size (as Ultralytics does)', () => {
    const img = synthetic(64, 48);
    const g = letterboxGeometry(64, 48, 64, 64);
    expect(g).toMatchObject({ ratio: 1, newWidth: 64, newHeight: 48, top: 8, bottom: 8 });
    const u8 = letterboxU8(img, g);
    expect(u8.subarray(8 * 64 * 3, 56 * 64 * 3)).toEqual(img.data);
  });

  it('the fp16 variant is the fp32 tensor rounded to half', () => {
    const img = synthetic(45, 29, 3);
    const g = letterboxGeometry(45, 29, 40, 40);
    const f32 = new Float32Array(3 * 40 * 40);
    const f16 = new Uint16Array(3 * 40 * 40);
    letterboxInto(img, g, f32);
    letterboxInto(img, g, f16);
    expect(f16).toEqual(toHalfArray(f32));
    expect(halfToFloat(f16[0]!)).toBeCloseTo(114 / 255, 3); // top-left is border
  });

  it('writes at an element offset and leaves the rest alone; padValue is configurable', () => {
    const img = synthetic(10, 20);
    const g = letterboxGeometry(10, 20, 16, 16);
    const size = 3 * 16 * 16;
    const out = new Float32Array(2 * size + 5).fill(-1);
    letterboxInto(img, g, out, size, { padValue: 0 });
    expect(out.subarray(0, size).every((v) => v === -1)).toBe(true);
    expect(out.subarray(2 * size).every((v) => v === -1)).toBe(true);
    expect(out[size]).toBe(0); // left border now black
    const alone = new Float32Array(size);
    letterboxInto(img, g, alone, 0, { padValue: 0 });
    expect(out.subarray(size, 2 * size)).toEqual(alone);
  });

  it('rejects mismatched geometry, short tensors and bad options', () => {
    const img = synthetic(10, 20);
    const g = letterboxGeometry(10, 20, 16, 16);
    expect(() => letterboxInto(img, letterboxGeometry(11, 20, 16, 16), new Float32Array(768))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => letterboxInto(img, g, new Float32Array(767))).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => letterboxInto(img, g, new Float32Array(768), 1)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => letterboxInto(img, g, new Float32Array(768), 0, { padValue: 300 })).toThrow(/for padValue/);
    expect(() => letterboxInto(img, g, new Float64Array(768) as unknown as Float32Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => letterboxInto({ ...img, data: img.data.subarray(1) }, g, new Float32Array(768))).toThrow(expect.objectContaining({ code: 'ERR_IMAGE_CHANNELS' }));
  });
});

describe('preprocess (the one preprocessing function)', () => {
  it('bus.jpg -> [1, 3, 640, 640] float32 with 80-pixel side bars', async () => {
    const img = await decodeImage(IMAGES.bus());
    const { tensor, geometries } = preprocess([img], 640, 640, 'float32');
    expect(tensor.dtype).toBe('float32');
    expect(tensor.dims).toEqual([1, 3, 640, 640]);
    expect(tensor.data).toBeInstanceOf(Float32Array);
    expect(geometries[0]).toMatchObject({ newWidth: 480, newHeight: 640, left: 80, right: 80, top: 0, bottom: 0 });
    const data = tensor.data as Float32Array;
    const u8 = letterboxU8(img, geometries[0]!);
    for (const [x, y] of [[0, 0], [79, 300], [80, 300], [400, 500], [559, 639], [560, 10]] as const) {
      for (let c = 0; c < 3; c++) expect(data[c * 640 * 640 + y * 640 + x]).toBe(Math.fround(u8[(y * 640 + x) * 3 + c]! / 255));
    }
    expect(data[0]).toBe(PAD);
    expect(data[2 * 640 * 640 + 300 * 640 + 100]).not.toBe(PAD);
  });

  it('batches images of different sizes, each with its own geometry, in fp16 too', () => {
    const a = synthetic(30, 20);
    const b = synthetic(20, 30, 5);
    const { tensor, geometries } = preprocess([a, b], 32, 32, 'float16');
    expect(tensor.dims).toEqual([2, 3, 32, 32]);
    expect(tensor.data).toBeInstanceOf(Uint16Array);
    const single = preprocess([b], 32, 32, 'float16');
    expect((tensor.data as Uint16Array).subarray(3 * 32 * 32)).toEqual(single.tensor.data);
    expect(geometries.map((g) => [g.left, g.top])).toEqual([[0, 5], [5, 0]]);
  });

  it('auto shrinks to a stride multiple only when every image has the same size', () => {
    const z = synthetic(1280, 720);
    const same = preprocess([z, z], 640, 640, 'float32', { auto: true });
    expect(same.tensor.dims).toEqual([2, 3, 384, 640]);
    expect(same.geometries[1]).toMatchObject({ top: 12, bottom: 12 });
    const mixed = preprocess([z, synthetic(720, 1280)], 640, 640, 'float32', { auto: true });
    expect(mixed.tensor.dims).toEqual([2, 3, 640, 640]);
  });

  it('rejects an empty batch and unknown dtypes', () => {
    expect(() => preprocess([], 640, 640, 'float32')).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => preprocess([synthetic(4, 4)], 640, 640, 'int8' as 'float32')).toThrow(/Expected one of 'float32', 'float16' for dtype/);
  });
});
