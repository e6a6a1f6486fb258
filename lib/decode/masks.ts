import { pythonRound } from '../image/round.js';
import type { BinaryMask, LetterboxGeometry } from '../types.js';
import { scaleXyxyToOriginal } from './boxes.js';
import { linearAxis, outputSpan, type LinearAxis } from './interp.js';

/**
 * A binary mask over a `width x height` image that is 0 outside the rectangle
 * [x0, x1) x [y0, y1); `data` holds that rectangle, row-major, 1 = object.
 */
export interface CompactMask {
  width: number;
  height: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  data: Uint8Array;
}

export interface MaskOptions {
  /** Ultralytics `retina_masks`: resize the logits to the original image instead of the binary mask; default false */
  retina?: boolean;
}

/**
 * A full-image mask that stores only its box region: `data` (the whole image, row-major) is
 * built on first access and kept. Decoding computes only the pixels inside each box; a caller
 * that reads `region` (or encodes RLE from it) never pays for the empty rest of the image.
 */
export class RegionMask implements BinaryMask {
  readonly width: number;
  readonly height: number;
  /** the box region [x0, x1) x [y0, y1) and its pixels, row-major; everything outside is 0 */
  readonly region: CompactMask;
  private full?: Uint8Array;

  constructor(region: CompactMask) {
    this.width = region.width;
    this.height = region.height;
    this.region = region;
  }

  get data(): Uint8Array {
    this.full ??= expandMask(this.region).data;
    return this.full;
  }

  /** For JSON.stringify: the mask's size and box region, not a megabyte of zeros. */
  toJSON(): { width: number; height: number; region: { x0: number; y0: number; x1: number; y1: number } } {
    const { x0, y0, x1, y1 } = this.region;
    return { width: this.width, height: this.height, region: { x0, y0, x1, y1 } };
  }
}

export function expandMask(m: CompactMask): BinaryMask {
  const data = new Uint8Array(m.width * m.height);
  const rw = m.x1 - m.x0;
  for (let y = m.y0; y < m.y1; y++) data.set(m.data.subarray((y - m.y0) * rw, (y - m.y0 + 1) * rw), y * m.width + m.x0);
  return { width: m.width, height: m.height, data };
}

/** Integer indices i with lo <= i < hi for real lo, hi, clipped to [0, size): [start, end). */
function integerSpan(lo: number, hi: number, size: number): [number, number] {
  const start = Math.max(0, Math.ceil(lo));
  const end = Math.min(size, Math.ceil(hi));
  return end > start ? [start, end] : [0, 0]; // NaN lands here too
}

/**
 * Ultralytics `scale_masks` crop of the letterbox pad from an `inH x inW` grid holding an
 * `outH x outW` image: g = min(inH/outH, inW/outW), pad = (in - round(out*g)) / 2,
 * rows round(padH - 0.1) .. inH - round(padH + 0.1), same for columns (Python rounding).
 */
export function padCrop(inH: number, inW: number, outH: number, outW: number): { top: number; left: number; height: number; width: number } {
  const g = Math.min(inH / outH, inW / outW);
  const padW = (inW - pythonRound(outW * g)) / 2;
  const padH = (inH - pythonRound(outH * g)) / 2;
  const top = pythonRound(padH - 0.1);
  const left = pythonRound(padW - 0.1);
  return { top, left, height: inH - pythonRound(padH + 0.1) - top, width: inW - pythonRound(padW + 0.1) - left };
}

/**
 * Logits (float32) of one detection over proto cells [r0, r1) x [c0, c1): coeffs . protos[:, r, c],
 * accumulated in double then rounded once.
 */
function regionLogits(protos: Float32Array, nm: number, ph: number, pw: number, coeffs: Float32Array, det: number, r0: number, r1: number, c0: number, c1: number): Float32Array {
  const rw = c1 - c0;
  const acc = new Float64Array((r1 - r0) * rw);
  const plane = ph * pw;
  for (let k = 0; k < nm; k++) {
    const ck = coeffs[det * nm + k];
    if (ck === 0) continue;
    const pk = k * plane;
    for (let r = r0; r < r1; r++) {
      const src = pk + r * pw;
      const dst = (r - r0) * rw - c0;
      for (let c = c0; c < c1; c++) acc[dst + c] += ck * protos[src + c];
    }
  }
  return Float32Array.from(acc);
}

/**
 * Separable bilinear resize restricted to output rows [oy0, oy1) x cols [ox0, ox1), thresholded
 * (value > threshold -> 1). The source `src` holds rows [sr0, sr1) x cols [sc0, sc1) of the input,
 * row-major; input elsewhere is 0, as the box crop makes it. The row pass is shared by every output
 * row that samples it, which gives the same float32 value as ATen's nested per-pixel evaluation:
 * t = f32(f32(a*w0) + f32(b*w1)) per input row, then f32(f32(t0*h0) + f32(t1*h1)).
 */
function resizeRegion(
  src: Float32Array,
  sr0: number,
  sr1: number,
  sc0: number,
  sc1: number,
  rows: LinearAxis,
  cols: LinearAxis,
  oy0: number,
  oy1: number,
  ox0: number,
  ox1: number,
  threshold: number,
): Uint8Array {
  const f32 = Math.fround;
  const sw = sc1 - sc0;
  const ow = ox1 - ox0;
  const { i0: ci0, i1: ci1, w0: cw0, w1: cw1 } = cols;
  const pass = new Float32Array((sr1 - sr0) * ow);
  // columns whose two samples both fall inside the source: no bounds test in the hot loop
  let inner0 = ox0;
  while (inner0 < ox1 && ci0[inner0] < sc0) inner0++;
  let inner1 = inner0;
  while (inner1 < ox1 && ci1[inner1] < sc1) inner1++;
  for (let r = sr0; r < sr1; r++) {
    const s = (r - sr0) * sw - sc0;
    const o = (r - sr0) * ow - ox0;
    for (let x = inner0; x < inner1; x++) pass[o + x] = f32(src[s + ci0[x]] * cw0[x]) + f32(src[s + ci1[x]] * cw1[x]); // the store rounds the sum to float32
    for (let x = ox0; x < ox1; x++) {
      if (x === inner0) x = inner1;
      if (x >= ox1) break;
      const a = ci0[x];
      const b = ci1[x];
      const va = a >= sc0 && a < sc1 ? src[s + a] : 0;
      const vb = b >= sc0 && b < sc1 ? src[s + b] : 0;
      pass[o + x] = f32(va * cw0[x]) + f32(vb * cw1[x]);
    }
  }
  const out = new Uint8Array((oy1 - oy0) * ow);
  for (let y = oy0; y < oy1; y++) {
    const a = rows.i0[y];
    const b = rows.i1[y];
    const hasA = a >= sr0 && a < sr1;
    const hasB = b >= sr0 && b < sr1;
    const ra = (a - sr0) * ow - ox0;
    const rb = (b - sr0) * ow - ox0;
    const w0 = rows.w0[y];
    const w1 = rows.w1[y];
    const o = (y - oy0) * ow - ox0;
    if (hasA && hasB) {
      for (let x = ox0; x < ox1; x++) if (f32(f32(pass[ra + x] * w0) + f32(pass[rb + x] * w1)) > threshold) out[o + x] = 1;
    } else if (hasA || hasB) {
      const rr = hasA ? ra : rb;
      const ww = hasA ? w0 : w1;
      // the missing row contributes 0 * w = 0, and f32(p) + 0 = p
      for (let x = ox0; x < ox1; x++) if (f32(pass[rr + x] * ww) > threshold) out[o + x] = 1;
    }
  }
  return out;
}

const emptyMask = (g: LetterboxGeometry): CompactMask => ({ width: g.srcWidth, height: g.srcHeight, x0: 0, y0: 0, x1: 0, y1: 0, data: new Uint8Array(0) });

/**
 * Instance masks as upstream Ultralytics `process_mask` (+ `scale_masks`) builds them, in compact
 * form; see {@link assembleMasks}. Only pixels that can be nonzero are computed.
 */
export function assembleMasksCompact(
  protos: Float32Array,
  nm: number,
  ph: number,
  pw: number,
  coeffs: Float32Array,
  inputBoxes: Float32Array | number[],
  g: LetterboxGeometry,
  opts: MaskOptions = {},
): CompactMask[] {
  const n = Math.floor(inputBoxes.length / 4);
  const H = g.dstHeight;
  const W = g.dstWidth;
  const h = g.srcHeight;
  const w = g.srcWidth;
  const masks: CompactMask[] = [];
  if (opts.retina) {
    // logits at proto resolution -> pad crop + resize to h x w -> crop with the original-space box -> > 0
    const crop = padCrop(ph, pw, h, w);
    if (crop.height <= 0 || crop.width <= 0) return Array.from({ length: n }, () => emptyMask(g));
    const rows = linearAxis(crop.height, h);
    const cols = linearAxis(crop.width, w);
    for (let d = 0; d < n; d++) {
      const [bx1, by1, bx2, by2] = scaleXyxyToOriginal(inputBoxes[4 * d], inputBoxes[4 * d + 1], inputBoxes[4 * d + 2], inputBoxes[4 * d + 3], g);
      const [ox0, ox1] = integerSpan(bx1, bx2, w);
      const [oy0, oy1] = integerSpan(by1, by2, h);
      if (ox1 === ox0 || oy1 === oy0) {
        masks.push(emptyMask(g));
        continue;
      }
      // crop-grid cells these output pixels sample, then the proto cells under them
      const sr0 = rows.i0[oy0];
      const sr1 = rows.i1[oy1 - 1] + 1;
      const sc0 = cols.i0[ox0];
      const sc1 = cols.i1[ox1 - 1] + 1;
      const logits = regionLogits(protos, nm, ph, pw, coeffs, d, sr0 + crop.top, sr1 + crop.top, sc0 + crop.left, sc1 + crop.left);
      const data = resizeRegion(logits, sr0, sr1, sc0, sc1, rows, cols, oy0, oy1, ox0, ox1, 0);
      masks.push({ width: w, height: h, x0: ox0, y0: oy0, x1: ox1, y1: oy1, data });
    }
    return masks;
  }

  // logits -> upsample to H x W -> crop with the input box -> > 0 -> pad crop + resize to h x w -> > 0.5
  const upRows = linearAxis(ph, H);
  const upCols = linearAxis(pw, W);
  const crop = padCrop(H, W, h, w);
  if (crop.height <= 0 || crop.width <= 0) return Array.from({ length: n }, () => emptyMask(g));
  const rows = linearAxis(crop.height, h);
  const cols = linearAxis(crop.width, w);
  for (let d = 0; d < n; d++) {
    // input-space pixels inside the box, and within the pad crop (the rest never reaches the output)
    let [ix0, ix1] = integerSpan(inputBoxes[4 * d], inputBoxes[4 * d + 2], W);
    let [iy0, iy1] = integerSpan(inputBoxes[4 * d + 1], inputBoxes[4 * d + 3], H);
    ix0 = Math.max(ix0, crop.left);
    ix1 = Math.min(ix1, crop.left + crop.width);
    iy0 = Math.max(iy0, crop.top);
    iy1 = Math.min(iy1, crop.top + crop.height);
    if (ix1 <= ix0 || iy1 <= iy0) {
      masks.push(emptyMask(g));
      continue;
    }
    const pr0 = upRows.i0[iy0];
    const pr1 = upRows.i1[iy1 - 1] + 1;
    const pc0 = upCols.i0[ix0];
    const pc1 = upCols.i1[ix1 - 1] + 1;
    const logits = regionLogits(protos, nm, ph, pw, coeffs, d, pr0, pr1, pc0, pc1);
    // 0/1 as float32 (small: the box in input pixels), so the resize reads one element type
    const binary = new Float32Array(resizeRegion(logits, pr0, pr1, pc0, pc1, upRows, upCols, iy0, iy1, ix0, ix1, 0));

    // the binary box region in pad-crop coordinates, then the output pixels that sample it
    const br0 = iy0 - crop.top;
    const br1 = iy1 - crop.top;
    const bc0 = ix0 - crop.left;
    const bc1 = ix1 - crop.left;
    const [oy0, oy1] = outputSpan(rows, br0, br1);
    const [ox0, ox1] = outputSpan(cols, bc0, bc1);
    if (oy1 <= oy0 || ox1 <= ox0) {
      masks.push(emptyMask(g));
      continue;
    }
    const data = resizeRegion(binary, br0, br1, bc0, bc1, rows, cols, oy0, oy1, ox0, ox1, 0.5);
    masks.push({ width: w, height: h, x0: ox0, y0: oy0, x1: ox1, y1: oy1, data });
  }
  return masks;
}

/**
 * Instance masks over the full ORIGINAL image, exactly as upstream Ultralytics `process_mask`:
 * 1. logits = coeffs (n x nm) @ protos (nm x ph*pw);
 * 2. bilinear upsample to the network input H x W (PyTorch, align_corners=False, float32);
 * 3. crop with the input-space box (x1 <= x < x2, y1 <= y < y2); 4. logit > 0;
 * 5. crop the letterbox pad (Python rounding), bilinear resize of the 0/1 mask to h x w, > 0.5.
 * `retina`: 1, then 5's crop and resize on the float logits, crop with the original-space box, > 0.
 *
 * `protos` is one image's `[nm, ph, pw]`; `coeffs` is n x nm; `inputBoxes` n x 4 (x1, y1, x2, y2)
 * in network-input pixels; `g` the letterbox of this image (dstWidth/dstHeight = network W/H).
 * Only pixels that can be nonzero are computed; the result equals the full computation.
 */
export function assembleMasks(
  protos: Float32Array,
  nm: number,
  ph: number,
  pw: number,
  coeffs: Float32Array,
  inputBoxes: Float32Array | number[],
  g: LetterboxGeometry,
  opts: MaskOptions = {},
): BinaryMask[] {
  return assembleMasksCompact(protos, nm, ph, pw, coeffs, inputBoxes, g, opts).map(expandMask);
}
