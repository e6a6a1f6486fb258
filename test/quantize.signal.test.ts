/**
 * The mixed-precision sensitivity signal: head output error over all anchors (expected values
 * from scipy.special.rel_entr and a hand IoU), and the bootstrap noise over images (against the
 * textbook standard error std / sqrt(n)).
 */
import { describe, expect, it } from 'vitest';
import { RawHead } from '../lib/quantize/agreement.js';
import { combinedErrors, headError, pairedBootstrap } from '../lib/quantize/head-error.js';

const layout = { kind: 'raw' as const, output: 'output0', nc: 2, nm: 0, anchors: 2, transposed: false };

/** channels-first [1, 6, 2]: per anchor cx, cy, w, h, score0, score1 */
function head(anchors: number[][]): RawHead {
  const data = new Float32Array(6 * 2);
  anchors.forEach((values, a) => values.forEach((v, c) => (data[c * 2 + a] = v)));
  return new RawHead({ data, dims: [1, 6, 2], dtype: 'float32' }, layout);
}

describe('headError', () => {
  it('class KL over all anchors and score-weighted box error', () => {
    const fp32 = head([[10, 10, 4, 4, 0.8, 0.1], [50, 50, 8, 8, 0.005, 0.002]]);
    const int8 = head([[11, 10, 4, 4, 0.6, 0.3], [50, 50, 8, 8, 0.005, 0.002]]);
    const e = headError(fp32, int8);
    // scipy: sum(rel_entr(p, q) + rel_entr(1 - p, 1 - q)) = 0.20783797843544036 for anchor 0, 0 for anchor 1
    expect(e.cls).toBeCloseTo(0.20783797843544036 / 2, 6);
    // anchor 0: IoU of [8,8,12,12] and [9,8,13,12] = 12 / 20; anchor 1 (best score < 0.01) has no weight
    expect(e.box).toBeCloseTo(0.4, 6);
    expect(headError(fp32, fp32)).toEqual({ cls: 0, box: 0 });
  });

  it('the box error is weighted by fp32 best score', () => {
    const fp32 = head([[10, 10, 4, 4, 0.9, 0.0], [50, 50, 8, 8, 0.3, 0.0]]);
    const int8 = head([[11, 10, 4, 4, 0.9, 0.0], [50, 50, 8, 8, 0.3, 0.0]]);
    expect(headError(fp32, int8).box).toBeCloseTo((0.9 * 0.4 + 0.3 * 0) / 1.2, 6);
  });

  it('combinedErrors: each part relative to the reference mean, equally weighted', () => {
    const ref = [{ cls: 2, box: 0.1 }, { cls: 4, box: 0.3 }];
    expect(combinedErrors(ref, ref)).toEqual([0.5 * (2 / 3 + 0.1 / 0.2), 0.5 * (4 / 3 + 0.3 / 0.2)]);
    expect(combinedErrors([{ cls: 0, box: 0 }], ref)).toEqual([0]);
  });

  it("combinedErrors 'per-image': each image relative to its own all-int8 error, so every image weighs the same", () => {
    const ref = [{ cls: 2, box: 0.1 }, { cls: 40, box: 3 }, { cls: 1, box: 0 }];
    // the all-int8 model itself: 1 on every image, however hard the image
    expect(combinedErrors(ref, ref, 'per-image')).toEqual([1, 1, 1]);
    // half the class error and a quarter of the box error on each image; no boxes: classes only
    const variant = [{ cls: 1, box: 0.025 }, { cls: 20, box: 0.75 }, { cls: 0.5, box: 0 }];
    expect(combinedErrors(variant, ref, 'per-image')).toEqual([0.5 * (0.5 + 0.25), 0.5 * (0.5 + 0.25), 0.5]);
    // 'mean' lets the hard second image dominate the same variant
    const mean = combinedErrors(variant, ref);
    expect(mean[1]! / mean[0]!).toBeGreaterThan(10);
  });
});

describe('pairedBootstrap', () => {
  it('mean of the paired differences; noise near the standard error std / sqrt(n)', () => {
    const d = [0.3, 0.1, 0.5, 0.2, 0.4, 0.0, 0.6, 0.25];
    const b = d.map((_, i) => 1 + i);
    const a = d.map((x, i) => x + b[i]!);
    const r = pairedBootstrap(a, b, 4000, 7);
    expect(r.mean).toBeCloseTo(0.29375, 10);
    // numpy: d.std() / sqrt(8) = 0.06640165425273681
    expect(r.noise).toBeGreaterThan(0.06640165425273681 * 0.9);
    expect(r.noise).toBeLessThan(0.06640165425273681 * 1.1);
    // pairing: what the two share (b) adds no noise
    expect(pairedBootstrap(b, b).noise).toBe(0);
    expect(pairedBootstrap(a, b, 400, 1)).toEqual(pairedBootstrap(a, b, 400, 1));
  });
});
