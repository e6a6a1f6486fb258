import { invalidOption } from '../errors.js';
import type { LetterboxGeometry } from '../types.js';
import { optBoolean, optNumber, optObject } from '../validate.js';
import { pythonRound } from './round.js';

/** Options of Ultralytics' `LetterBox`, with its predict-time defaults. */
export interface LetterboxOptions {
  /** shrink the canvas to the smallest stride multiple around the image (dynamic-shape models); default false */
  auto?: boolean;
  /** stride for `auto`; default 32 */
  stride?: number;
  /** allow enlarging small images; default true (Ultralytics predict) */
  scaleUp?: boolean;
  /** split the padding between both sides; default true (false puts it all right/bottom) */
  center?: boolean;
}

const MAX_SIDE = 1 << 16;

function positiveInt(option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_SIDE) {
    throw invalidOption(option, `an integer between 1 and ${MAX_SIDE}`, value);
  }
  return value;
}

/**
 * Where an image of `srcW x srcH` lands inside a `dstW x dstH` network input, exactly as
 * Ultralytics `LetterBox` computes it (REFERENCE.md section 2): `r = min(H/h, W/w)`, the
 * content is `round(w*r) x round(h*r)` with Python's round, pads are `round(d - 0.1)` before
 * and `round(d + 0.1)` after, with `d` half the leftover (after `% stride` in `auto` mode).
 *
 * @example
 * letterboxGeometry(810, 1080, 640, 640)
 * // { ratio: 0.5926, newWidth: 480, newHeight: 640, left: 80, right: 80, top: 0, bottom: 0, ... }
 */
export function letterboxGeometry(srcW: number, srcH: number, dstW: number, dstH: number, opts?: LetterboxOptions): LetterboxGeometry {
  positiveInt('srcWidth', srcW);
  positiveInt('srcHeight', srcH);
  positiveInt('dstWidth', dstW);
  positiveInt('dstHeight', dstH);
  const o = optObject('letterbox options', opts);
  const auto = optBoolean('auto', o.auto, false);
  const stride = optNumber('stride', o.stride, 32, 1, 4096, { integer: true });
  const scaleUp = optBoolean('scaleUp', o.scaleUp, true);
  const center = optBoolean('center', o.center, true);

  let ratio = Math.min(dstH / srcH, dstW / srcW);
  if (!scaleUp) ratio = Math.min(ratio, 1);
  // Ultralytics would hand cv2 an empty size for extreme aspect ratios; keep at least one pixel
  const newWidth = Math.max(1, pythonRound(srcW * ratio));
  const newHeight = Math.max(1, pythonRound(srcH * ratio));

  let padW = dstW - newWidth;
  let padH = dstH - newHeight;
  if (auto) {
    // both pads are >= 0, so JavaScript's % equals numpy's mod here
    padW %= stride;
    padH %= stride;
  }
  const dw = center ? padW / 2 : padW;
  const dh = center ? padH / 2 : padH;
  const top = center ? pythonRound(dh - 0.1) : 0;
  const bottom = pythonRound(dh + 0.1);
  const left = center ? pythonRound(dw - 0.1) : 0;
  const right = pythonRound(dw + 0.1);

  return {
    srcWidth: srcW,
    srcHeight: srcH,
    dstWidth: newWidth + left + right,
    dstHeight: newHeight + top + bottom,
    ratio,
    newWidth,
    newHeight,
    left,
    top,
    right,
    bottom,
  };
}
