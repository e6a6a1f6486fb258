/**
 * COCO run-length-encoded masks for evaluation, with the exact semantics of pycocotools'
 * maskApi (polygon rasterisation, area, tight bbox, union, IoU with crowd regions): mask AP
 * must equal pycocotools' to 0.001, so the rasteriser reproduces its integer arithmetic.
 * RLE counts are column-major (x outer, y inner) and start with a run of zeros.
 */
import type { CocoRle } from '../types.js';
import { YoloeTrtError } from '../errors.js';
import { maskToRle, rleArea, rleToMask } from '../decode/rle.js';
import { decompressRle } from './rle-codec.js';
import type { CocoSegmentation } from './types.js';

export type Box = [number, number, number, number]; // x, y, w, h

// mask <-> RLE and the area are shared with decode/ (same COCO conventions)
export { maskToRle as rleFromMask, rleArea, rleToMask };

/** The C cast `(int)` of a double: truncation toward zero (NaN only occurs where unused). */
const toInt = Math.trunc;

/**
 * Rasterises one polygon `[x0, y0, x1, y1, ...]` as pycocotools' rleFrPoly: vertices are scaled
 * by 5 and rounded, every edge is walked one upsampled step at a time, and a pixel column
 * x is entered at the first row y whose centre lies inside the boundary crossing.
 */
export function polygonToRle(xy: ArrayLike<number>, height: number, width: number): CocoRle {
  const h = height;
  const w = width;
  const scale = 5;
  const k = Math.floor(xy.length / 2);
  if (k === 0) return { size: [h, w], counts: [h * w] };
  const x = new Int32Array(k + 1);
  const y = new Int32Array(k + 1);
  for (let j = 0; j < k; j++) {
    x[j] = toInt(scale * xy[2 * j]! + 0.5);
    y[j] = toInt(scale * xy[2 * j + 1]! + 0.5);
  }
  x[k] = x[0]!;
  y[k] = y[0]!;

  // densely sample the boundary in upsampled integer coordinates
  let total = 0;
  for (let j = 0; j < k; j++) total += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  const u = new Int32Array(total);
  const v = new Int32Array(total);
  let m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!;
    let xe = x[j + 1]!;
    let ys = y[j]!;
    let ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      [xs, xe] = [xe, xs];
      [ys, ye] = [ye, ys];
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = toInt(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = toInt(xs + s * t + 0.5);
        m++;
      }
    }
  }

  // keep the points where the boundary crosses a pixel-centre column; downsample them
  const px: number[] = [];
  const py: number[] = [];
  for (let j = 1; j < m; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    px.push(xd);
    py.push(yd);
  }

  // boundary points as column-major pixel indices; the sorted differences are the runs
  const a = new Float64Array(px.length + 1);
  for (let j = 0; j < px.length; j++) a[j] = px[j]! * h + py[j]!;
  a[px.length] = h * w;
  a.sort();
  let previous = 0;
  for (let j = 0; j < a.length; j++) {
    const t = a[j]!;
    a[j] = t - previous;
    previous = t;
  }
  // a zero-length run cancels a toggle: fold the following run into the one before
  const counts: number[] = [a[0]!];
  for (let j = 1; j < a.length; ) {
    if (a[j]! > 0) counts.push(a[j++]!);
    else {
      j++;
      if (j < a.length) counts[counts.length - 1]! += a[j++]!;
    }
  }
  return { size: [h, w], counts };
}

/** A box [x, y, w, h] as the polygon pycocotools' frBbox rasterises. */
export function boxToRle(box: Box, height: number, width: number): CocoRle {
  const [x, y, w, h] = box;
  return polygonToRle([x, y, x, y + h, x + w, y + h, x + w, y], height, width);
}

/** Tight bounding box [x, y, w, h] of the foreground, as pycocotools' rleToBbox ([0,0,0,0] when empty). */
export function rleToBbox(rle: CocoRle): Box {
  const [h, w] = rle.size;
  const m = Math.floor(rle.counts.length / 2) * 2;
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += rle.counts[j]!;
    const t = cc - (j % 2);
    const yy = t % h;
    const xx = (t - yy) / h;
    if (j % 2 === 0) xp = xx;
    else if (xp < xx) {
      // a run spanning columns covers every row
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, xx);
    xe = Math.max(xe, xx);
    ys = Math.min(ys, yy);
    ye = Math.max(ye, yy);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/** Union (or intersection) of same-size masks. */
export function mergeRles(rles: CocoRle[], intersect = false): CocoRle {
  if (rles.length === 0) return { size: [0, 0], counts: [] };
  const [h, w] = rles[0]!.size;
  let counts = rles[0]!.counts.slice();
  for (let i = 1; i < rles.length; i++) {
    const other = rles[i]!;
    if (other.size[0] !== h || other.size[1] !== w) {
      throw new YoloeTrtError('ERR_DATASET', `Cannot merge masks of different sizes (${h}x${w} and ${other.size[0]}x${other.size[1]})`);
    }
    counts = combineRuns(counts, other.counts, intersect);
  }
  return { size: [h, w], counts };
}

/** Walks two run lists together and emits the runs of (a OR b) or (a AND b). */
function combineRuns(a: number[], b: number[], intersect: boolean): number[] {
  const out: number[] = [];
  let ia = 0;
  let ib = 0;
  let ra = a.length > 0 ? a[0]! : 0;
  let rb = b.length > 0 ? b[0]! : 0;
  let va = false;
  let vb = false;
  let current = false;
  let run = 0;
  for (;;) {
    // skip exhausted runs
    while (ra === 0 && ia + 1 < a.length) {
      ra = a[++ia]!;
      va = !va;
    }
    while (rb === 0 && ib + 1 < b.length) {
      rb = b[++ib]!;
      vb = !vb;
    }
    const step = ra > 0 && rb > 0 ? Math.min(ra, rb) : Math.max(ra, rb);
    if (step === 0) break;
    const value = intersect ? va && vb && ra > 0 && rb > 0 : (va && ra > 0) || (vb && rb > 0);
    if (value !== current) {
      out.push(run);
      run = 0;
      current = value;
    }
    run += step;
    if (ra > 0) ra -= step;
    if (rb > 0) rb -= step;
  }
  out.push(run);
  return out;
}

/** Foreground pixels shared by two same-size masks (pycocotools' run walk). */
export function rleIntersection(a: CocoRle, b: CocoRle): number {
  const ca = a.counts;
  const cb = b.counts;
  let ia = 0;
  let ib = 0;
  let ra = ca.length > 0 ? ca[0]! : 0;
  let rb = cb.length > 0 ? cb[0]! : 0;
  let va = false;
  let vb = false;
  let inter = 0;
  for (;;) {
    while (ra === 0 && ia + 1 < ca.length) {
      ra = ca[++ia]!;
      va = !va;
    }
    while (rb === 0 && ib + 1 < cb.length) {
      rb = cb[++ib]!;
      vb = !vb;
    }
    if (ra === 0 || rb === 0) break;
    const step = Math.min(ra, rb);
    if (va && vb) inter += step;
    ra -= step;
    rb -= step;
  }
  return inter;
}

/**
 * IoU matrix [detection][groundTruth] of boxes [x, y, w, h], as pycocotools' bbIou: for a crowd
 * ground truth the union is the detection's own area.
 */
export function boxIouMatrix(dets: Box[], gts: Box[], iscrowd: ArrayLike<number | boolean>): Float64Array[] {
  return dets.map((d) => {
    const row = new Float64Array(gts.length);
    const da = d[2] * d[3];
    for (let g = 0; g < gts.length; g++) {
      const G = gts[g]!;
      const iw = Math.min(d[2] + d[0], G[2] + G[0]) - Math.max(d[0], G[0]);
      if (iw <= 0) continue;
      const ih = Math.min(d[3] + d[1], G[3] + G[1]) - Math.max(d[1], G[1]);
      if (ih <= 0) continue;
      const inter = iw * ih;
      const union = iscrowd[g] ? da : da + G[2] * G[3] - inter;
      row[g] = inter / union;
    }
    return row;
  });
}

/** IoU matrix [detection][groundTruth] of masks, as pycocotools' rleIou (crowd: union = detection area). */
export function rleIouMatrix(dets: CocoRle[], gts: CocoRle[], iscrowd: ArrayLike<number | boolean>): Float64Array[] {
  const detBoxes = dets.map(rleToBbox);
  const gtBoxes = gts.map(rleToBbox);
  // masks can only overlap where their tight boxes do: skip the run walk elsewhere
  const boxIous = boxIouMatrix(detBoxes, gtBoxes, iscrowd);
  const detAreas = dets.map(rleArea);
  const gtAreas = gts.map(rleArea);
  return dets.map((d, di) => {
    const row = new Float64Array(gts.length);
    for (let g = 0; g < gts.length; g++) {
      if (!(boxIous[di]![g]! > 0)) continue;
      const G = gts[g]!;
      if (d.size[0] !== G.size[0] || d.size[1] !== G.size[1]) {
        throw new YoloeTrtError('ERR_DATASET', `A detection mask of ${d.size[0]}x${d.size[1]} cannot be compared with a ground-truth mask of ${G.size[0]}x${G.size[1]}`);
      }
      const inter = rleIntersection(d, G);
      let union: number;
      if (inter === 0) union = 1;
      else if (iscrowd[g]) union = detAreas[di]!;
      else union = detAreas[di]! + gtAreas[g]! - inter;
      row[g] = inter / union;
    }
    return row;
  });
}

function isCompressed(seg: object): seg is { size: [number, number]; counts: string } {
  return typeof (seg as { counts?: unknown }).counts === 'string';
}

/**
 * Any COCO segmentation as one RLE over an image of `height` x `width`, as pycocotools'
 * annToRLE: polygons are rasterised and unioned; a list whose first entry has exactly four
 * numbers is read as boxes (pycocotools' frPyObjects rule); RLE is decompressed as needed.
 */
export function segmentationToRle(seg: CocoSegmentation, height: number, width: number): CocoRle {
  if (Array.isArray(seg)) {
    if (seg.length === 0) return { size: [height, width], counts: [height * width] };
    const first = seg[0];
    if (!Array.isArray(first) || first.some((n) => typeof n !== 'number' || !Number.isFinite(n))) {
      throw new YoloeTrtError('ERR_DATASET', 'A polygon segmentation must be a list of lists of finite numbers');
    }
    if (first.length === 4) return mergeRles(seg.map((b) => boxToRle(b as Box, height, width)));
    if (first.length < 4) throw new YoloeTrtError('ERR_DATASET', `A polygon needs at least 3 points but has ${first.length} numbers`);
    return mergeRles(seg.map((poly) => polygonToRle(poly, height, width)));
  }
  if (seg === null || typeof seg !== 'object' || !Array.isArray(seg.size) || seg.size.length !== 2) {
    throw new YoloeTrtError('ERR_DATASET', 'An RLE segmentation needs size [height, width] and counts');
  }
  const rle = isCompressed(seg) ? decompressRle(seg) : (seg as CocoRle);
  if (!Array.isArray(rle.counts)) throw new YoloeTrtError('ERR_DATASET', 'RLE counts must be a string or a list of numbers');
  let sum = 0;
  for (const c of rle.counts) sum += c;
  if (sum !== rle.size[0] * rle.size[1]) {
    throw new YoloeTrtError('ERR_DATASET', `RLE counts add up to ${sum} but size ${rle.size[0]}x${rle.size[1]} has ${rle.size[0] * rle.size[1]} pixels`);
  }
  return rle;
}
