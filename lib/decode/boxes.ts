import type { Candidate, LetterboxGeometry } from '../types.js';

const f32 = Math.fround;

/**
 * A box from network-input pixels to original-image pixels, as Ultralytics `scale_boxes` does on
 * its float32 tensor: `(x - left) / r`, `(y - top) / r`, clipped to `[0, w] x [0, h]`.
 * scale_boxes recomputes the pad as `round((W - w*r)/2 - 0.1)`, which is LetterBox's own left/top.
 */
export function scaleXyxyToOriginal(x1: number, y1: number, x2: number, y2: number, g: LetterboxGeometry): [number, number, number, number] {
  const r = f32(g.ratio);
  const clip = (v: number, hi: number): number => (v < 0 ? 0 : v > hi ? hi : v);
  return [
    clip(f32(f32(x1 - g.left) / r), g.srcWidth),
    clip(f32(f32(y1 - g.top) / r), g.srcHeight),
    clip(f32(f32(x2 - g.left) / r), g.srcWidth),
    clip(f32(f32(y2 - g.top) / r), g.srcHeight),
  ];
}

/** A candidate's box in original-image pixels, clipped to the image. */
export function scaleBoxToOriginal(c: Candidate, g: LetterboxGeometry): [number, number, number, number] {
  return scaleXyxyToOriginal(c.x1, c.y1, c.x2, c.y2, g);
}
