import { describe, expect, it } from 'vitest';
import { assembleMasks, assembleMasksCompact, expandMask } from '../lib/decode/masks.js';
import { nativeAssembleMasksCompact, nativeKernelsAvailable } from '../lib/native/kernels.js';
import type { LetterboxGeometry } from '../lib/types.js';
import { rng } from './random.js';

const f32 = Math.fround;


/** Python round: ties to even. */
function pyRound(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** REFERENCE section 2, written out: the letterbox of a w x h image in a W x H input. */
function letterbox(w: number, h: number, W: number, H: number): LetterboxGeometry {
  const r = Math.min(H / h, W / w);
  const nw = pyRound(w * r);
  const nh = pyRound(h * r);
  const dw = (W - nw) / 2;
  const dh = (H - nh) / 2;
  const top = pyRound(dh - 0.1);
  const left = pyRound(dw - 0.1);
  return { srcWidth: w, srcHeight: h, dstWidth: W, dstHeight: H, ratio: r, newWidth: nw, newHeight: nh, left, top, right: W - nw - left, bottom: H - nh - top };
}

/** F.interpolate(bilinear, align_corners=False) on one float32 plane, every output pixel evaluated on its own. */
function bilinear(src: Float32Array, inH: number, inW: number, outH: number, outW: number): Float32Array {
  const idx = (inS: number, outS: number, d: number): [number, number, number, number] => {
    const scale = f32(inS / outS);
    const s = Math.max(0, f32(f32(scale * f32(d + 0.5)) - 0.5));
    const i0 = Math.min(Math.floor(s), inS - 1);
    const l1 = Math.min(Math.max(f32(s - i0), 0), 1);
    return [i0, i0 < inS - 1 ? i0 + 1 : i0, f32(1 - l1), l1];
  };
  const out = new Float32Array(outH * outW);
  for (let y = 0; y < outH; y++) {
    const [r0, r1, h0, h1] = idx(inH, outH, y);
    for (let x = 0; x < outW; x++) {
      const [c0, c1, w0, w1] = idx(inW, outW, x);
      const top = f32(f32(src[r0 * inW + c0] * w0) + f32(src[r0 * inW + c1] * w1));
      const bot = f32(f32(src[r1 * inW + c0] * w0) + f32(src[r1 * inW + c1] * w1));
      out[y * outW + x] = f32(f32(top * h0) + f32(bot * h1));
    }
  }
  return out;
}

/** scale_masks' pad crop of a full plane, REFERENCE section 4 step 5. */
function cropPad(src: Float32Array, inH: number, inW: number, h: number, w: number): { data: Float32Array; ch: number; cw: number } {
  const g = Math.min(inH / h, inW / w);
  const pw = (inW - pyRound(w * g)) / 2;
  const ph = (inH - pyRound(h * g)) / 2;
  const top = pyRound(ph - 0.1);
  const bottom = inH - pyRound(ph + 0.1);
  const left = pyRound(pw - 0.1);
  const right = inW - pyRound(pw + 0.1);
  const ch = bottom - top;
  const cw = right - left;
  const data = new Float32Array(ch * cw);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) data[y * cw + x] = src[(y + top) * inW + x + left];
  return { data, ch, cw };
}

/** The whole of process_mask for one detection, on full planes: the reference the optimised code must equal. */
function referenceMask(protos: Float32Array, nm: number, ph: number, pw: number, coeff: Float32Array, box: number[], g: LetterboxGeometry, retina: boolean): Uint8Array {
  const logits = new Float32Array(ph * pw);
  for (let p = 0; p < ph * pw; p++) {
    let s = 0;
    for (let k = 0; k < nm; k++) s += coeff[k] * protos[k * ph * pw + p];
    logits[p] = s;
  }
  const { srcWidth: w, srcHeight: h, dstWidth: W, dstHeight: H } = g;
  const out = new Uint8Array(w * h);
  if (retina) {
    const crop = cropPad(logits, ph, pw, h, w);
    const big = bilinear(crop.data, crop.ch, crop.cw, h, w);
    const r = f32(g.ratio);
    const clip = (v: number, hi: number): number => Math.min(Math.max(v, 0), hi);
    const bx1 = clip(f32(f32(box[0] - g.left) / r), w);
    const by1 = clip(f32(f32(box[1] - g.top) / r), h);
    const bx2 = clip(f32(f32(box[2] - g.left) / r), w);
    const by2 = clip(f32(f32(box[3] - g.top) / r), h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (x >= bx1 && x < bx2 && y >= by1 && y < by2 && big[y * w + x] > 0) out[y * w + x] = 1;
    return out;
  }
  const up = bilinear(logits, ph, pw, H, W);
  const bin = new Float32Array(H * W);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if (x >= box[0] && x < box[2] && y >= box[1] && y < box[3] && up[y * W + x] > 0) bin[y * W + x] = 1;
  const crop = cropPad(bin, H, W, h, w);
  const big = bilinear(crop.data, crop.ch, crop.cw, h, w);
  for (let p = 0; p < w * h; p++) if (big[p] > 0.5) out[p] = 1;
  return out;
}

interface Case {
  name: string;
  g: LetterboxGeometry;
  ph: number;
  pw: number;
}

const cases: Case[] = [
  { name: '53x37 -> 64x64 (odd, wide)', g: letterbox(53, 37, 64, 64), ph: 16, pw: 16 },
  { name: '27x81 -> 64x96 (tall, rectangular input)', g: letterbox(27, 81, 64, 96), ph: 24, pw: 16 },
  { name: '101x77 -> 64x64 (shrink, odd pads)', g: letterbox(101, 77, 64, 64), ph: 16, pw: 16 },
  { name: '30x20 -> 96x96 (upscale)', g: letterbox(30, 20, 96, 96), ph: 24, pw: 24 },
  { name: '45x45 -> 64x64 (square, no pad)', g: letterbox(45, 45, 64, 64), ph: 16, pw: 16 },
  { name: '810x1080 -> 160 (bus-like)', g: letterbox(810, 1080, 160, 160), ph: 40, pw: 40 },
];

/** Boxes in input pixels: random, fractional, edge-touching, beyond the image, tiny and empty. */
function boxesFor(W: number, H: number, rand: () => number): number[][] {
  const boxes: number[][] = [
    [0, 0, W, H],
    [-5.5, -3, W + 7, H + 2],
    [W / 2, H / 3, W, H],
    [0, 0, 1.5, 2.25],
    [3.2, 4.7, 3.9, 5.1], // no integer column inside
    [W - 0.5, 2, W + 3, 9],
    [10, 10, 10, 20], // zero width
  ];
  for (let i = 0; i < 8; i++) {
    const x1 = f32(rand() * W * 1.1 - W * 0.05);
    const y1 = f32(rand() * H * 1.1 - H * 0.05);
    boxes.push([x1, y1, f32(x1 + rand() * W * 0.7), f32(y1 + rand() * H * 0.7)]);
  }
  return boxes;
}

function randomProtos(nm: number, ph: number, pw: number, rand: () => number): Float32Array {
  const p = new Float32Array(nm * ph * pw);
  for (let i = 0; i < p.length; i++) p[i] = rand() * 2 - 1;
  // a smooth channel so that masks also hold large blobs, not only noise
  for (let y = 0; y < ph; y++) for (let x = 0; x < pw; x++) p[y * pw + x] = Math.sin(x / 3) + Math.cos(y / 4);
  return p;
}

describe('assembleMasks equals the full-image process_mask reference', () => {
  for (const retina of [false, true]) {
    it.each(cases)(`${retina ? 'retina' : 'standard'}: $name`, ({ g, ph, pw }) => {
      const rand = rng(g.srcWidth * 131 + g.srcHeight);
      const nm = 8;
      const protos = randomProtos(nm, ph, pw, rand);
      const boxes = boxesFor(g.dstWidth, g.dstHeight, rand);
      const coeffs = new Float32Array(boxes.length * nm);
      for (let i = 0; i < coeffs.length; i++) coeffs[i] = rand() * 2 - 1;
      coeffs[nm] = 3; // detection 1 leans on the smooth channel
      const masks = assembleMasks(protos, nm, ph, pw, coeffs, boxes.flat(), g, { retina });
      expect(masks.length).toBe(boxes.length);
      let nonEmpty = 0;
      boxes.forEach((box, i) => {
        const want = referenceMask(protos, nm, ph, pw, coeffs.subarray(i * nm, (i + 1) * nm), box, g, retina);
        expect(masks[i].width).toBe(g.srcWidth);
        expect(masks[i].height).toBe(g.srcHeight);
        if (process.env.DBG && !Buffer.from(masks[i].data).equals(Buffer.from(want))) {
          const diffs: number[][] = [];
          for (let q = 0; q < want.length; q++) if (want[q] !== masks[i].data[q]) diffs.push([q % g.srcWidth, Math.floor(q / g.srcWidth), want[q], masks[i].data[q]]);
          console.log('DIFF', i, diffs.length, JSON.stringify(diffs.slice(0, 10)), want.reduce((a, b) => a + b, 0), masks[i].data.reduce((a, b) => a + b, 0));
        }
        expect(Buffer.from(masks[i].data).equals(Buffer.from(want)), `detection ${i} box ${box.join(',')}`).toBe(true);
        if (want.some((v) => v)) nonEmpty++;
      });
      expect(nonEmpty).toBeGreaterThan(4); // the comparison is not between empty masks
    });
  }

  it('compact masks hold nothing outside their rectangle and expand to the same bitmap', () => {
    const g = letterbox(53, 37, 64, 64);
    const rand = rng(5);
    const protos = randomProtos(4, 16, 16, rand);
    const coeffs = Float32Array.from([3, 0.1, -0.2, 0.3]);
    const [c] = assembleMasksCompact(protos, 4, 16, 16, coeffs, [10, 20, 40, 50], g);
    expect(c.x1 - c.x0).toBeLessThan(g.srcWidth);
    expect(c.data.length).toBe((c.x1 - c.x0) * (c.y1 - c.y0));
    expect(expandMask(c).data).toEqual(assembleMasks(protos, 4, 16, 16, coeffs, [10, 20, 40, 50], g)[0].data);
  });

  it('accumulates the logit dot product exactly, not in float32 (2^24 + 1 - 2^24 = 1)', () => {
    // Each product is exact in double and the sum of three is exact too: the logit is 1, so the box
    // is filled. A float32 running sum loses the 1 (2^24 + 1 rounds to 2^24) and leaves it empty.
    const g = letterbox(64, 64, 64, 64);
    const plane = 16 * 16;
    for (const order of [[2 ** 24, 1, -(2 ** 24)], [1, 2 ** 24, -(2 ** 24)]]) {
      const protos = new Float32Array(3 * plane);
      order.forEach((v, k) => protos.fill(v, k * plane, (k + 1) * plane));
      for (const retina of [false, true]) {
        const [m] = assembleMasks(protos, 3, 16, 16, Float32Array.of(1, 1, 1), [8, 8, 40, 40], g, { retina });
        let on = 0;
        for (let y = 0; y < 64; y++) for (let x = 0; x < 64; x++) on += m!.data[y * 64 + x]!;
        expect(on, `order ${order.join(',')} retina ${retina}`).toBe(32 * 32);
        // the C++ twin in the addon (CI builds it) accumulates the same way
        if (!nativeKernelsAvailable()) throw new Error('the native addon is not built (npm run native:build)');
        const [c] = nativeAssembleMasksCompact(protos, 3, 16, 16, Float32Array.of(1, 1, 1), [8, 8, 40, 40], g, { retina });
        expect(expandMask(c!).data, `native, order ${order.join(',')} retina ${retina}`).toEqual(m!.data);
      }
    }
  });
});
