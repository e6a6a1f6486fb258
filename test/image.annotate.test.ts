import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { PALETTE, annotateImage } from '../lib/image/annotate.js';
import { decodeImage } from '../lib/image/decode.js';
import type { Detection, RgbImage } from '../lib/types.js';
import { IMAGES } from './fixtures.js';

function grey(w: number, h: number, v: number): RgbImage {
  return { data: new Uint8Array(w * h * 3).fill(v), width: w, height: h };
}

/** A rectangle mask over the whole image. */
function rectMask(w: number, h: number, x1: number, y1: number, x2: number, y2: number) {
  const data = new Uint8Array(w * h);
  for (let y = y1; y < y2; y++) data.fill(1, y * w + x1, y * w + x2);
  return { width: w, height: h, data };
}

describe('annotateImage', () => {
  it('returns a decodable JPEG of the image size with boxes, labels and masks drawn', async () => {
    const img = await decodeImage(IMAGES.bus());
    const dets: Detection[] = [
      { box: [50, 400, 250, 900], score: 0.89, classId: 0, label: 'person', mask: rectMask(810, 1080, 60, 420, 240, 880) },
      { box: [20, 230, 800, 750], score: 0.84, classId: 5, label: 'bus' },
    ];
    const jpeg = await annotateImage(img, dets);
    const meta = await sharp(jpeg).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([810, 1080]);
  });

  it('blends the class colour into masked pixels and outlines the box (PNG, exact pixels)', async () => {
    const img = grey(200, 120, 100);
    const dets: Detection[] = [{ box: [40, 40, 160, 110], score: 0.5, classId: 2, label: 'car <&>', mask: rectMask(200, 120, 60, 60, 140, 100) }];
    const png = await annotateImage(img, dets, { format: 'png', maskAlpha: 0.5, lineWidth: 4 });
    expect((await sharp(png).metadata()).format).toBe('png');
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([200, 120, 3]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3));
    const [r, g, b] = PALETTE[2]!;
    expect(px(100, 80)).toEqual([Math.round(50 + r / 2), Math.round(50 + g / 2), Math.round(50 + b / 2)]); // inside the mask
    expect(px(5, 115)).toEqual([100, 100, 100]); // untouched corner
    expect(px(41, 80)).toEqual([r, g, b]); // on the left outline
    // the label sits above the box, in the box colour, with text in it
    const label = [] as number[][];
    for (let x = 40; x < 120; x++) for (let y = 20; y < 40; y++) label.push(px(x, y));
    expect(label.some((p) => p[0] === r && p[1] === g && p[2] === b)).toBe(true);
    expect(label.some((p) => Math.abs(p[0]! - r) + Math.abs(p[1]! - g) + Math.abs(p[2]! - b) > 200)).toBe(true);
  });

  it('handles no detections, a box at the top edge and large class ids', async () => {
    const img = grey(64, 48, 30);
    const plain = await sharp(await annotateImage(img, [], { format: 'png' })).raw().toBuffer();
    expect(plain.every((v) => v === 30)).toBe(true);
    const png = await annotateImage(img, [{ box: [0, 0, 64, 48], score: 1, classId: 4584, label: 'x' }], { format: 'png' });
    const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([64, 48]);
    const px = (x: number, y: number) => Array.from(data.subarray((y * 64 + x) * info.channels, (y * 64 + x) * info.channels + 3));
    const colour = [...PALETTE[4584 % PALETTE.length]!]; // class ids wrap around the palette
    expect(px(32, 47)).toEqual(colour); // bottom outline (2 px wide at this size)
    expect(px(63, 30)).toEqual(colour); // right outline
    expect(px(32, 30)).toEqual([30, 30, 30]); // inside the box, below the label: untouched
    // no room above the box: the label (16 px high, 49 wide for "x 1.00") goes inside, at the top
    expect(px(47, 14)).toEqual(colour);
    expect(px(52, 14)).toEqual([30, 30, 30]);
  });

  it('rejects bad inputs', async () => {
    const img = grey(10, 10, 0);
    await expect(annotateImage(img, [], { maskAlpha: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(annotateImage(img, [], { format: 'gif' as 'png' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(annotateImage({ ...img, width: 11 }, [])).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    const badMask = [{ box: [0, 0, 5, 5], score: 1, classId: 0, label: 'a', mask: rectMask(5, 5, 0, 0, 5, 5) }] as Detection[];
    await expect(annotateImage(img, badMask)).rejects.toMatchObject({ code: 'ERR_SHAPE' });
  });
});
