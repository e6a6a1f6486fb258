import { describe, expect, it } from 'vitest';
import { maskToPolygons } from '../lib/decode/polygons.js';
import { maskToRle, rleArea, rleFromString, rleToMask, rleToString } from '../lib/decode/rle.js';
import { YoloeTrtError } from '../lib/errors.js';
import type { BinaryMask } from '../lib/types.js';

/** A mask from rows of '.' and '#'. */
function mask(...rows: string[]): BinaryMask {
  const height = rows.length;
  const width = rows[0].length;
  const data = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (data[y * width + x] = ch === '#' ? 1 : 0)));
  return { width, height, data };
}

/** Pairs [x, y] of a flat polygon, rotated to start at its smallest (y, x) so the test does not depend on the start point. */
function points(poly: number[]): [number, number][] {
  const pts: [number, number][] = [];
  for (let i = 0; i < poly.length; i += 2) pts.push([poly[i], poly[i + 1]]);
  let s = 0;
  pts.forEach((p, i) => {
    if (p[1] < pts[s][1] || (p[1] === pts[s][1] && p[0] < pts[s][0])) s = i;
  });
  return [...pts.slice(s), ...pts.slice(0, s)];
}

/** Shoelace area of the polygon through pixel centres. */
function area(poly: number[]): number {
  let a = 0;
  const n = poly.length / 2;
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    a += poly[2 * i] * poly[2 * j + 1] - poly[2 * j] * poly[2 * i + 1];
  }
  return Math.abs(a) / 2;
}

describe('COCO RLE', () => {
  it('column-major counts starting with zeros (hand-computed)', () => {
    // columns top to bottom: col0 = 0,1  col1 = 1,1  col2 = 1,0  -> 0 | 1 1 1 1 | 0
    const m = mask('.##', '##.');
    expect(maskToRle(m)).toEqual({ size: [2, 3], counts: [1, 4, 1] });
    // a mask starting with a one opens with an empty run of zeros
    expect(maskToRle(mask('#.', '..'))).toEqual({ size: [2, 2], counts: [0, 1, 3] });
    expect(maskToRle(mask('..', '..'))).toEqual({ size: [2, 2], counts: [4] });
    expect(rleArea(maskToRle(m))).toBe(4);
  });

  it('round trips random masks', () => {
    let seed = 3;
    const rand = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (const [w, h] of [[1, 1], [7, 5], [33, 17], [64, 1], [1, 40]]) {
      const data = new Uint8Array(w * h).map(() => (rand() < 0.4 ? 1 : 0));
      const m = { width: w, height: h, data };
      const rle = maskToRle(m);
      expect(rle.counts.reduce((a, b) => a + b, 0)).toBe(w * h);
      expect(rleToMask(rle)).toEqual(m);
      expect(rleArea(rle)).toBe(data.reduce((a, b) => a + b, 0));
      expect(rleFromString(rleToString(rle), rle.size)).toEqual(rle);
    }
  });

  it('compressed string: hand-computed pycocotools encoding', () => {
    // 100 -> groups 4 (more) 3 -> 'T' '3'; 20 -> group 20 has the sign bit, so one more group: 'd' '0';
    // 3 -> '3'; the 4th count is stored minus the 2nd: 50 - 20 = 30 -> 'n' '0'
    const rle = { size: [173, 1] as [number, number], counts: [100, 20, 3, 50] };
    expect(rleToString(rle)).toBe('T3d03n0');
    expect(rleFromString('T3d03n0', [173, 1])).toEqual(rle);
    // a negative difference: 5 - 20 = -15 -> one group 17 (sign set, nothing more) -> 'A'
    const neg = { size: [128, 1] as [number, number], counts: [100, 20, 3, 5] };
    expect(rleToString(neg)).toBe('T3d03A');
    expect(rleFromString('T3d03A', [128, 1])).toEqual(neg);
    expect(rleToString({ size: [2, 3], counts: [1, 4, 1] })).toBe('141');
  });

  it('rejects inconsistent RLE data with ERR_SHAPE', () => {
    expect(() => rleToMask({ size: [2, 2], counts: [1, 2] })).toThrow(YoloeTrtError);
    expect(() => rleToMask({ size: [2, 2], counts: [3, 2] })).toThrow(/2 x 2/);
    expect(() => rleFromString('T', [1, 1])).toThrow(/Truncated/);
    expect(() => rleFromString('~~', [1, 1])).toThrow(YoloeTrtError);
  });
});

describe('maskToPolygons', () => {
  it('rectangle: its four corner pixels', () => {
    const m = mask('......', '.####.', '.####.', '.####.', '......');
    const polys = maskToPolygons(m);
    expect(polys.length).toBe(1);
    expect(new Set(points(polys[0]).map((p) => p.join(',')))).toEqual(new Set(['1,1', '4,1', '4,3', '1,3']));
    expect(points(polys[0]).length).toBe(4);
  });

  it('L-shapes: corners of the border walk', () => {
    const m = mask('#...', '#...', '#...', '####');
    const pts = points(maskToPolygons(m)[0]);
    // a one-pixel-wide L: down the stem, out along the foot and back, cutting the inner corner diagonally (8-connectivity)
    expect(pts).toEqual([
      [0, 0],
      [0, 3],
      [3, 3],
      [1, 3],
      [0, 2],
    ]);
    const thick = mask('##...', '##...', '#####', '#####');
    const tp = points(maskToPolygons(thick)[0]);
    // the inner corner pixel (1,2) is not on the 8-connected border walk: (2,2) steps diagonally to (1,1)
    expect(tp).toEqual([
      [0, 0],
      [0, 3],
      [4, 3],
      [4, 2],
      [2, 2],
      [1, 1],
      [1, 0],
    ]);
  });

  it('two blobs: two contours, larger first; diagonal pixels join one component, dropped with its 2 points', () => {
    const m = mask('##.....', '##..###', '....###', '....###', '#......', '.#.....');
    const polys = maskToPolygons(m);
    // cv2.findContours also finds the diagonal pair as [(0,4), (1,5)]: fewer than 3 points is no COCO polygon
    expect(polys.length).toBe(2);
    expect(new Set(points(polys[0]).map((p) => p.join(',')))).toEqual(new Set(['4,1', '6,1', '6,3', '4,3']));
    expect(new Set(points(polys[1]).map((p) => p.join(',')))).toEqual(new Set(['0,0', '1,0', '1,1', '0,1']));
  });

  it('external only: a blob inside a ring is left out; the ring gives its outer contour', () => {
    const m = mask('#######', '#.....#', '#.###.#', '#.....#', '#######');
    const polys = maskToPolygons(m);
    expect(polys.length).toBe(1);
    expect(new Set(points(polys[0]).map((p) => p.join(',')))).toEqual(new Set(['0,0', '6,0', '6,4', '0,4']));
  });

  it('single pixels, edge-touching shapes, empty masks, and simplification', () => {
    expect(maskToPolygons(mask('.#.'))).toEqual([]); // cv2 gives [(1, 0)]: one point is no polygon
    expect(maskToPolygons(mask('##', '##')).map((p) => points(p).length)).toEqual([4]);
    expect(maskToPolygons(mask('...', '...'))).toEqual([]);
    expect(maskToPolygons({ width: 0, height: 0, data: new Uint8Array(0) })).toEqual([]);
    // a disc: the raw contour has many corners, simplification keeps fewer, within tolerance
    const size = 41;
    const data = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if ((x - 20) ** 2 + (y - 20) ** 2 <= 18 ** 2) data[y * size + x] = 1;
    const disc = { width: size, height: size, data };
    const raw = maskToPolygons(disc)[0];
    const simple = maskToPolygons(disc, { simplify: 1.5 })[0];
    expect(simple.length).toBeLessThan(raw.length);
    expect(simple.length).toBeGreaterThanOrEqual(8);
    expect(Math.abs(area(simple) - area(raw)) / area(raw)).toBeLessThan(0.05);
    expect(area(raw)).toBeGreaterThan(Math.PI * 17 ** 2);
  });
});
