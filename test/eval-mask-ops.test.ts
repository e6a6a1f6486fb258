import { describe, expect, it } from 'vitest';
import {
  boxIouMatrix,
  mergeRles,
  polygonToRle,
  rleArea,
  rleFromMask,
  rleIntersection,
  rleIouMatrix,
  rleToBbox,
  rleToMask,
  segmentationToRle,
} from '../lib/eval/mask-ops.js';
import { compressRle, decodeRleCounts, decompressRle, encodeRleCounts } from '../lib/eval/rle-codec.js';
import type { BinaryMask } from '../lib/types.js';

/** A w x h row-major mask with the rectangle [x0, x1) x [y0, y1) set. */
function rect(w: number, h: number, x0: number, y0: number, x1: number, y1: number): BinaryMask {
  const data = new Uint8Array(w * h);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
  return { width: w, height: h, data };
}

describe('RLE basics', () => {
  it('encodes column-major, starting with zeros', () => {
    // 3x2 (w=3, h=2) mask, pixels (x=1,y=0) and (x=1,y=1) and (x=2,y=1) set
    // column-major order: (0,0)0 (0,1)0 | (1,0)1 (1,1)1 | (2,0)0 (2,1)1 -> runs 2,2,1,1
    const mask: BinaryMask = { width: 3, height: 2, data: Uint8Array.from([0, 1, 0, 0, 1, 1]) };
    const rle = rleFromMask(mask);
    expect(rle).toEqual({ size: [2, 3], counts: [2, 2, 1, 1] });
    expect(rleArea(rle)).toBe(3);
    expect(rleToBbox(rle)).toEqual([1, 0, 2, 2]);
    expect(rleToMask(rle)).toEqual(mask);
  });

  it('a mask starting with a set pixel gets a leading zero run', () => {
    expect(rleFromMask({ width: 2, height: 1, data: Uint8Array.from([1, 0]) }).counts).toEqual([0, 1, 1]);
  });

  it('bbox of a run crossing columns spans every row (pycocotools rule)', () => {
    // h=4: a run from (x=0,y=3) to (x=1,y=0)
    expect(rleToBbox({ size: [4, 2], counts: [3, 2, 3] })).toEqual([0, 0, 2, 4]);
    expect(rleToBbox({ size: [4, 2], counts: [8] })).toEqual([0, 0, 0, 0]);
  });

  it('compressed strings round-trip, including large and delta-negative counts', () => {
    const counts = [0, 5, 1000000, 3, 2, 7, 123456789, 1, 0];
    expect(decodeRleCounts(encodeRleCounts(counts))).toEqual(counts);
    const rle = { size: [10, 10] as [number, number], counts: [12, 30, 58] };
    expect(decompressRle(compressRle(rle))).toEqual(rle);
    expect(() => decodeRleCounts('0`')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
  });
});

describe('IoU', () => {
  it('boxes: union, and crowd = intersection / detection area', () => {
    // det 10x10 at origin, gt 10x10 at (5,0): inter 50, union 150
    const [row] = boxIouMatrix([[0, 0, 10, 10]], [[5, 0, 10, 10], [0, 0, 100, 100]], [0, 1]);
    expect(row![0]).toBeCloseTo(50 / 150, 15);
    expect(row![1]).toBe(1); // det fully inside a crowd region
    expect(boxIouMatrix([[0, 0, 10, 10]], [[10, 0, 5, 5]], [0])[0]![0]).toBe(0); // touching edges
  });

  it('masks: pixel IoU; crowd divides by the detection area', () => {
    const gt = rleFromMask(rect(20, 20, 2, 2, 12, 12)); // 100 px
    const dt = rleFromMask(rect(20, 20, 7, 2, 17, 12)); // 100 px, 50 shared
    expect(rleIntersection(dt, gt)).toBe(50);
    const [row] = rleIouMatrix([dt], [gt, gt], [0, 1]);
    expect(row![0]).toBeCloseTo(50 / 150, 15);
    expect(row![1]).toBeCloseTo(0.5, 15);
    const far = rleFromMask(rect(20, 20, 15, 15, 20, 20));
    expect(rleIouMatrix([far], [gt], [0])[0]![0]).toBe(0);
  });

  it('masks of different sizes are an error, not a silent -1', () => {
    const a = rleFromMask(rect(4, 4, 0, 0, 2, 2));
    const b = rleFromMask(rect(5, 4, 0, 0, 2, 2));
    expect(() => rleIouMatrix([a], [b], [0])).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
  });
});

describe('merge', () => {
  it('union and intersection of masks', () => {
    const a = rect(10, 8, 1, 1, 5, 5);
    const b = rect(10, 8, 3, 3, 8, 7);
    const union = mergeRles([rleFromMask(a), rleFromMask(b)]);
    const inter = mergeRles([rleFromMask(a), rleFromMask(b)], true);
    const expectUnion = a.data.map((v, i) => (v || b.data[i] ? 1 : 0));
    const expectInter = a.data.map((v, i) => (v && b.data[i] ? 1 : 0));
    expect(rleToMask(union).data).toEqual(expectUnion);
    expect(rleToMask(inter).data).toEqual(expectInter);
    expect(rleArea(union)).toBe(16 + 20 - 4);
  });
});

describe('polygons', () => {
  it('a pixel-aligned square [10,30]^2 covers pixels 10..29 in both axes (pycocotools semantics)', () => {
    const rle = polygonToRle([10, 10, 30, 10, 30, 30, 10, 30], 40, 40);
    expect(rleToBbox(rle)).toEqual([10, 10, 20, 20]);
    expect(rleArea(rle)).toBe(400);
  });

  it('segmentationToRle: polygon lists are unioned, 4-number entries are boxes, RLE is checked', () => {
    const two = segmentationToRle([[0, 0, 4, 0, 4, 4, 0, 4], [10, 10, 14, 10, 14, 14, 10, 14]], 20, 20);
    expect(rleArea(two)).toBe(32);
    const box = segmentationToRle([[2, 2, 6, 4]], 20, 20); // [x, y, w, h] like pycocotools frBbox
    expect(rleToBbox(box)).toEqual([2, 2, 6, 4]);
    expect(() => segmentationToRle({ size: [2, 2], counts: [1, 1] }, 2, 2)).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => segmentationToRle([[1, 2]], 5, 5)).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    const compressed = compressRle(rleFromMask(rect(6, 6, 1, 1, 3, 4)));
    expect(rleArea(segmentationToRle(compressed, 6, 6))).toBe(6);
  });
});
