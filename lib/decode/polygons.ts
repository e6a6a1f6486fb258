import type { BinaryMask } from '../types.js';
import { checkKnownKeys } from '../validate.js';
import { YoloeTrtError, invalidOption } from '../errors.js';

export interface PolygonOptions {
  /** Douglas-Peucker tolerance in pixels; default 0 (only collinear points are dropped) */
  simplify?: number;
}

/**
 * Outer contours of the mask's 8-connected components, like OpenCV `findContours(RETR_EXTERNAL,
 * CHAIN_APPROX_SIMPLE)`: each contour runs through the centres of the component's border pixels
 * (Suzuki-Abe border following), straight runs reduced to their end points. Components lying in
 * a hole of another component are not external and are left out. Largest component (pixel count)
 * first; each polygon is flat `[x0, y0, x1, y1, ...]` in pixel coordinates.
 *
 * Contours of fewer than 3 points (1- and 2-pixel components, single-pixel-wide lines reduced to
 * their ends) are dropped: they enclose no area, and pycocotools' `frPyObjects` reads a 4-number
 * list as a box and rejects a 2-number one. (Ultralytics' `masks2segments` returns OpenCV's
 * contour as is; its COCO conversion and pycocotools need at least 3 points.) Throws
 * ERR_INVALID_OPTION / ERR_SHAPE for a mask whose sizes or data length are wrong.
 * @example maskToPolygons(rectangleMask) // [[x0, y0, x0, y1, x1, y1, x1, y0]]
 */
export function maskToPolygons(m: BinaryMask, opts: PolygonOptions = {}): number[][] {
  checkKnownKeys('maskToPolygons', opts, ['simplify']);
  const { width: w, height: h } = m;
  if (!Number.isSafeInteger(w) || !Number.isSafeInteger(h) || w < 0 || h < 0) throw invalidOption('mask [height, width]', 'an [h, w] pair of non-negative integers', [h, w]);
  if (!m.data || m.data.length !== w * h) {
    throw new YoloeTrtError('ERR_SHAPE', `A ${w} x ${h} mask needs ${w * h} values but its data holds ${m.data?.length ?? 0}`, { width: w, height: h });
  }
  if (w === 0 || h === 0) return [];
  // a one-pixel background frame removes every bounds check
  const W = w + 2;
  const H = h + 2;
  const img = new Uint8Array(W * H);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (m.data[y * w + x]) img[(y + 1) * W + x + 1] = 1;

  const outside = outerBackground(img, W, H);
  const offsets = [1, 1 - W, -W, -W - 1, -1, W - 1, W, W + 1]; // E, NE, N, NW, W, SW, S, SE: index up = counter-clockwise
  const seen = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  const found: { size: number; order: number; poly: number[] }[] = [];
  for (let p = W; p < W * (H - 1); p++) {
    if (!img[p] || seen[p]) continue;
    const size = floodComponent(img, seen, stack, offsets, p);
    // external iff the background left of its first pixel (where its outer border starts) reaches the frame
    if (!outside[p - 1]) continue;
    let pts = traceOuterBorder(img, offsets, p);
    pts = dropCollinear(pts, W);
    let poly: number[] = [];
    for (const q of pts) poly.push((q % W) - 1, Math.floor(q / W) - 1);
    if (opts.simplify !== undefined && opts.simplify > 0) poly = simplifyClosed(poly, opts.simplify);
    if (poly.length < 6) continue; // fewer than 3 points: not a COCO polygon
    found.push({ size, order: found.length, poly });
  }
  found.sort((a, b) => b.size - a.size || a.order - b.order);
  return found.map((f) => f.poly);
}

/** Background pixels 4-connected to the frame. */
function outerBackground(img: Uint8Array, W: number, H: number): Uint8Array {
  const outside = new Uint8Array(W * H);
  const stack = new Int32Array(W * H);
  let top = 0;
  outside[0] = 1;
  stack[top++] = 0;
  while (top > 0) {
    const p = stack[--top];
    const x = p % W;
    const y = (p - x) / W;
    if (x > 0 && !img[p - 1] && !outside[p - 1]) (outside[p - 1] = 1), (stack[top++] = p - 1);
    if (x < W - 1 && !img[p + 1] && !outside[p + 1]) (outside[p + 1] = 1), (stack[top++] = p + 1);
    if (y > 0 && !img[p - W] && !outside[p - W]) (outside[p - W] = 1), (stack[top++] = p - W);
    if (y < H - 1 && !img[p + W] && !outside[p + W]) (outside[p + W] = 1), (stack[top++] = p + W);
  }
  return outside;
}

/** Marks the 8-connected component of `start` as seen; returns its pixel count. */
function floodComponent(img: Uint8Array, seen: Uint8Array, stack: Int32Array, offsets: number[], start: number): number {
  let top = 0;
  let size = 0;
  seen[start] = 1;
  stack[top++] = start;
  while (top > 0) {
    const p = stack[--top];
    size++;
    for (let d = 0; d < 8; d++) {
      const q = p + offsets[d];
      if (img[q] && !seen[q]) {
        seen[q] = 1;
        stack[top++] = q;
      }
    }
  }
  return size;
}

/**
 * Suzuki-Abe outer border following from the component's first raster pixel `s` (its west
 * neighbour is background): find the first pixel clockwise from the west, then walk
 * counter-clockwise around each border pixel until the first step repeats.
 */
function traceOuterBorder(img: Uint8Array, offsets: number[], s: number): number[] {
  let first = -1;
  for (let k = 0; k < 8; k++) {
    const d = (4 - k + 8) % 8;
    if (img[s + offsets[d]]) {
      first = d;
      break;
    }
  }
  if (first < 0) return [s];
  const p1 = s + offsets[first];
  const pts: number[] = [];
  let p3 = s;
  let back = first; // direction from p3 to the previous border pixel
  for (;;) {
    let d4 = -1;
    for (let k = 1; k <= 8; k++) {
      const d = (back + k) % 8;
      if (img[p3 + offsets[d]]) {
        d4 = d;
        break;
      }
    }
    const p4 = p3 + offsets[d4];
    pts.push(p3);
    if (p4 === s && p3 === p1) return pts;
    p3 = p4;
    back = (d4 + 4) % 8;
  }
}

/** CHAIN_APPROX_SIMPLE: a point whose incoming and outgoing steps are the same direction is dropped. */
function dropCollinear(pts: number[], W: number): number[] {
  const n = pts.length;
  if (n < 3) return pts;
  const kept: number[] = [];
  for (let i = 0; i < n; i++) {
    const prev = pts[(i + n - 1) % n];
    const next = pts[(i + 1) % n];
    if (pts[i] - prev !== next - pts[i]) kept.push(pts[i]);
  }
  return kept.length > 0 ? kept : [pts[0]];
}

/** Douglas-Peucker on a closed flat polygon, split at its first point and the point farthest from it. */
function simplifyClosed(poly: number[], eps: number): number[] {
  const n = poly.length / 2;
  if (n <= 3) return poly;
  let far = 0;
  let best = -1;
  for (let i = 1; i < n; i++) {
    const d = (poly[2 * i] - poly[0]) ** 2 + (poly[2 * i + 1] - poly[1]) ** 2;
    if (d > best) (best = d), (far = i);
  }
  const keep = new Uint8Array(n + 1);
  keep[0] = keep[far] = keep[n] = 1;
  const px = (i: number): number => poly[2 * (i % n)];
  const py = (i: number): number => poly[2 * (i % n) + 1];
  const spans: [number, number][] = [
    [0, far],
    [far, n],
  ];
  while (spans.length > 0) {
    const [a, b] = spans.pop()!;
    let worst = -1;
    let at = -1;
    const dx = px(b) - px(a);
    const dy = py(b) - py(a);
    const len = Math.hypot(dx, dy);
    for (let i = a + 1; i < b; i++) {
      const d = len === 0 ? Math.hypot(px(i) - px(a), py(i) - py(a)) : Math.abs(dy * (px(i) - px(a)) - dx * (py(i) - py(a))) / len;
      if (d > worst) (worst = d), (at = i);
    }
    if (worst > eps) {
      keep[at] = 1;
      spans.push([a, at], [at, b]);
    }
  }
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (keep[i]) out.push(poly[2 * i], poly[2 * i + 1]);
  return out;
}
