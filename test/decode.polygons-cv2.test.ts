/**
 * maskToPolygons against cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE) on 200 random masks
 * (noise, blobs with holes, nested rings, lines, one-pixel and border-touching shapes): the same
 * polygons, point for point, starting at the same point. OpenCV's contour order is its own
 * (reverse raster order of the start points) and ours is largest first, so they are compared
 * as sets ordered by start point. OpenCV also returns 1- and 2-point contours, which are not valid
 * COCO polygons: maskToPolygons drops them (documented), so they leave the expected sets. Golden from
 *   /usr/bin/python3 test/golden/make-polygons-golden.py > test/golden/polygons-cv2.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { maskToPolygons } from '../lib/decode/polygons.js';

interface Case { width: number; height: number; bits: string; contours: number[][] }
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'polygons-cv2.json'), 'utf8')) as { cases: Case[] };

function unpack(c: Case): Uint8Array {
  const packed = Buffer.from(c.bits, 'base64');
  const data = new Uint8Array(c.width * c.height);
  for (let i = 0; i < data.length; i++) data[i] = (packed[i >> 3]! >> (7 - (i & 7))) & 1;
  return data;
}

const byStart = (a: number[], b: number[]) => a[1]! - b[1]! || a[0]! - b[0]!;

describe('maskToPolygons equals cv2.findContours(RETR_EXTERNAL, CHAIN_APPROX_SIMPLE)', () => {
  it('has 200 masks with 1 to many contours', () => {
    expect(golden.cases).toHaveLength(200);
    expect(golden.cases.filter((c) => c.contours.length > 3).length).toBeGreaterThan(30);
    // the short contours the documented rule drops do occur, so that rule is exercised too
    expect(golden.cases.filter((c) => c.contours.some((p) => p.length < 6)).length).toBeGreaterThan(10);
  });
  it.each(golden.cases.map((c, i) => [i, c] as const))('mask %i', (_i, c) => {
    const polys = maskToPolygons({ width: c.width, height: c.height, data: unpack(c) });
    const valid = c.contours.filter((p) => p.length >= 6); // at least 3 points
    expect([...polys].sort(byStart)).toEqual([...valid].sort(byStart));
  });
  it('a blob inside a hole is not external: only the ring\'s outline', () => {
    // 14x14: a filled square 1..12, a hole 3..10, a 4x4 blob 5..8 inside the hole. OpenCV 4.6:
    //   cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE) -> [[1,1, 1,12, 12,12, 12,1]]
    const data = new Uint8Array(14 * 14);
    const fill = (lo: number, hi: number, v: number) => {
      for (let y = lo; y <= hi; y++) for (let x = lo; x <= hi; x++) data[y * 14 + x] = v;
    };
    fill(1, 12, 1);
    fill(3, 10, 0);
    fill(5, 8, 1);
    expect(maskToPolygons({ width: 14, height: 14, data })).toEqual([[1, 1, 1, 12, 12, 12, 12, 1]]);
  });
});
