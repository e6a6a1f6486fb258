import { optNumber } from '../validate.js';
import { DEFAULT_MAX_IMAGE_BYTES } from '../fs/source-file.js';

/** Bounds on what one image may cost to decode; both are detect() options. */
export interface ImageLimits {
  /** refuse images with more pixels (width x height) than this; default 268,402,689 (16383 x 16383, sharp's own limit) */
  maxPixels?: number;
  /** refuse image files / buffers larger than this many bytes; default 256 MiB */
  maxImageBytes?: number;
}

export const DEFAULT_MAX_PIXELS = 0x3fff * 0x3fff;

export interface ResolvedImageLimits {
  maxPixels: number;
  maxBytes: number;
}

/** Validates maxPixels / maxImageBytes and fills in the defaults. */
export function resolveImageLimits(options: ImageLimits = {}): ResolvedImageLimits {
  return {
    maxPixels: optNumber('maxPixels', options.maxPixels, DEFAULT_MAX_PIXELS, 1, Number.MAX_SAFE_INTEGER, { integer: true }),
    maxBytes: optNumber('maxImageBytes', options.maxImageBytes, DEFAULT_MAX_IMAGE_BYTES, 1, Number.MAX_SAFE_INTEGER, { integer: true }),
  };
}
