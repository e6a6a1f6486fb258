import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, decodeImages } from '../lib/image/decode.js';
import { IMAGES } from './fixtures.js';

/** A small deterministic RGB(A) test picture. */
function pixels(w: number, h: number, c: number): Buffer {
  const out = Buffer.alloc(w * h * c);
  for (let i = 0; i < w * h; i++) for (let k = 0; k < c; k++) out[i * c + k] = (i * 37 + k * 91 + ((i * k) % 13) * 7) % 256;
  return out;
}

/** Byte equality without vitest's slow element-wise diff on megabyte arrays. */
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

const flatten = (c: number, a: number) => Math.floor((c * a + 114 * (255 - a)) / 255);

describe('decodeImage: encoded inputs', () => {
  it('decodes bus.jpg from a path and from a Buffer, identically', async () => {
    const fromPath = await decodeImage(IMAGES.bus());
    expect(fromPath.width).toBe(810);
    expect(fromPath.height).toBe(1080);
    expect(fromPath.data).toBeInstanceOf(Uint8Array);
    expect(fromPath.data.length).toBe(810 * 1080 * 3);
    const fromBuffer = await decodeImage(readFileSync(IMAGES.bus()));
    expect(sameBytes(fromBuffer.data, fromPath.data)).toBe(true);
    const z = await decodeImage(IMAGES.zidane());
    expect([z.width, z.height]).toEqual([1280, 720]);
  });

  it('decodes lossless PNG, WebP and TIFF (from a plain Uint8Array too) to the exact pixels', async () => {
    const raw = pixels(23, 17, 3);
    const opts = { raw: { width: 23, height: 17, channels: 3 as const } };
    const encoded = [
      await sharp(raw, opts).png().toBuffer(),
      await sharp(raw, opts).webp({ lossless: true }).toBuffer(),
      await sharp(raw, opts).tiff({ compression: 'lzw' }).toBuffer(), // sharp's default TIFF compression is JPEG
    ];
    for (const bytes of encoded) {
      const img = await decodeImage(new Uint8Array(bytes));
      expect([img.width, img.height]).toEqual([23, 17]);
      expect(Buffer.from(img.data)).toEqual(raw);
    }
  });

  it('decodes GIF and JPEG to RGB of the right size', async () => {
    const raw = pixels(31, 9, 3);
    const opts = { raw: { width: 31, height: 9, channels: 3 as const } };
    for (const bytes of [await sharp(raw, opts).gif().toBuffer(), await sharp(raw, opts).jpeg().toBuffer()]) {
      const img = await decodeImage(bytes);
      expect([img.width, img.height, img.data.length]).toEqual([31, 9, 31 * 9 * 3]);
    }
  });

  it('applies EXIF orientation (6 = rotate 90 degrees clockwise)', async () => {
    // 40 x 20: left half red, right half blue
    const w = 40, h = 20;
    const raw = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await sharp(jpeg).metadata()).orientation).toBe(6);
    const img = await decodeImage(jpeg);
    expect([img.width, img.height]).toEqual([20, 40]);
    const at = (x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    // after a clockwise quarter turn the left (red) half is on top
    const [r1, , b1] = at(10, 5);
    const [r2, , b2] = at(10, 35);
    expect(r1).toBeGreaterThan(200);
    expect(b1).toBeLessThan(60);
    expect(b2).toBeGreaterThan(200);
    expect(r2).toBeLessThan(60);
  });

  it('flattens PNG alpha onto 114 grey', async () => {
    const raw = pixels(16, 16, 4);
    const png = await sharp(raw, { raw: { width: 16, height: 16, channels: 4 } }).png().toBuffer();
    const img = await decodeImage(png);
    const expected = new Uint8Array(16 * 16 * 3);
    for (let i = 0; i < 256; i++) for (let k = 0; k < 3; k++) expected[i * 3 + k] = flatten(raw[i * 4 + k]!, raw[i * 4 + 3]!);
    expect(img.data).toEqual(expected);
    // and raw RGBA pixels give the very same image
    expect((await decodeImage({ data: raw, width: 16, height: 16, channels: 4 })).data).toEqual(img.data);
  });

  it('expands grey PNGs to RGB', async () => {
    const grey = pixels(9, 7, 1);
    const png = await sharp(grey, { raw: { width: 9, height: 7, channels: 1 } }).toColourspace('b-w').png().toBuffer();
    expect((await sharp(png).metadata()).channels).toBe(1);
    const img = await decodeImage(png);
    for (let i = 0; i < 63; i++) expect(Array.from(img.data.subarray(i * 3, i * 3 + 3))).toEqual([grey[i], grey[i], grey[i]]);
  });

  it('reduces 16-bit PNGs to 8 bits (v >> 8, as cv2.imread)', async () => {
    const w = 64, h = 4;
    const d16 = new Uint16Array(w * h * 3);
    for (let i = 0; i < d16.length; i++) d16[i] = (i * 2731 + 17) % 65536;
    const png = await sharp(d16, { raw: { width: w, height: h, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
    expect((await sharp(png).metadata()).depth).toBe('ushort');
    const img = await decodeImage(png);
    expect(img.data).toEqual(Uint8Array.from(d16, (v) => v >> 8));
  });
});

describe('decodeImage: raw pixels', () => {
  it('1 channel grey is expanded, 3 channels are copied', async () => {
    const g = await decodeImage({ data: new Uint8Array([0, 100, 255, 7]), width: 2, height: 2, channels: 1 });
    expect(Array.from(g.data)).toEqual([0, 0, 0, 100, 100, 100, 255, 255, 255, 7, 7, 7]);
    const data = pixels(5, 3, 3);
    const rgb = await decodeImage({ data, width: 5, height: 3, channels: 3 });
    expect(Buffer.from(rgb.data)).toEqual(data);
    expect(rgb.data.buffer).not.toBe(data.buffer); // a copy: the caller may reuse its buffer
  });

  it('2 channels (grey + alpha) and 4 (RGBA) are flattened onto 114 with floor((c*a + 114*(255-a)) / 255)', async () => {
    const ga = await decodeImage({ data: new Uint8ClampedArray([200, 0, 200, 255, 200, 128, 10, 100]), width: 4, height: 1, channels: 2 });
    expect(Array.from(ga.data)).toEqual([114, 114, 114, 200, 200, 200, 157, 157, 157, 73, 73, 73]);
    const rgba = await decodeImage({ data: new Uint8Array([255, 0, 0, 128, 250, 250, 250, 200]), width: 2, height: 1, channels: 4 });
    expect(Array.from(rgba.data)).toEqual([184, 56, 56, 220, 220, 220]);
    // grey + alpha as PNG decodes the same way through sharp
    const gaRaw = pixels(8, 8, 2);
    const png = await sharp(gaRaw, { raw: { width: 8, height: 8, channels: 2 } }).png().toBuffer();
    expect((await decodeImage({ data: gaRaw, width: 8, height: 8, channels: 2 })).data).toEqual((await decodeImage(png)).data);
  });
});

describe('decodeImage: errors', () => {
  it('missing file -> ERR_FILE_NOT_FOUND', async () => {
    await expect(decodeImage('/nonexistent/dir/none.jpg')).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: expect.stringContaining('none.jpg') });
  });

  it('corrupt, truncated or empty bytes -> ERR_IMAGE_DECODE', async () => {
    const bus = readFileSync(IMAGES.bus());
    for (const bad of [Buffer.from('definitely not an image'), bus.subarray(0, bus.length >> 1), Buffer.concat([bus.subarray(0, 600), Buffer.alloc(4000, 7)]), Buffer.alloc(0)]) {
      await expect(decodeImage(bad)).rejects.toMatchObject({ name: 'YoloeTrtError', code: 'ERR_IMAGE_DECODE' });
    }
  });

  it('bad raw channel counts or lengths -> ERR_IMAGE_CHANNELS', async () => {
    for (const channels of [0, 5, 2.5]) {
      await expect(decodeImage({ data: new Uint8Array(12), width: 2, height: 2, channels })).rejects.toMatchObject({ code: 'ERR_IMAGE_CHANNELS' });
    }
    await expect(decodeImage({ data: new Uint8Array(11), width: 2, height: 2, channels: 3 })).rejects.toMatchObject({
      code: 'ERR_IMAGE_CHANNELS',
      message: 'Raw pixels of 2x2x3 need 12 bytes but data holds 11',
    });
  });

  it('bad raw sizes or unknown inputs -> ERR_INVALID_OPTION', async () => {
    await expect(decodeImage({ data: new Uint8Array(0), width: 0, height: 2, channels: 3 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(decodeImage({ data: new Uint8Array(6), width: 1.5, height: 2, channels: 1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(decodeImage({ data: [1, 2, 3] as unknown as Uint8Array, width: 1, height: 1, channels: 3 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    for (const bad of [42, null, undefined, {}, ['a.jpg']]) {
      await expect(decodeImage(bad as unknown as string)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/^Expected .* for image but received/) });
    }
    await expect(decodeImage('')).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('decodeImages', () => {
  it('decodes a mixed list concurrently, keeping the order', async () => {
    const png = await sharp(pixels(3, 2, 3), { raw: { width: 3, height: 2, channels: 3 } }).png().toBuffer();
    const out = await decodeImages([IMAGES.zidane(), png, { data: new Uint8Array(4), width: 2, height: 2, channels: 1 }, IMAGES.bus()]);
    expect(out.map((im) => [im.width, im.height])).toEqual([[1280, 720], [3, 2], [2, 2], [810, 1080]]);
  });

  it('rejects when one image fails', async () => {
    await expect(decodeImages([IMAGES.bus(), '/nonexistent.png'])).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    await expect(decodeImages('a.jpg' as unknown as string[])).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});
