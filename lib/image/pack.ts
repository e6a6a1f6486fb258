import { YoloeTrtError, invalidOption } from '../errors.js';
import type { LetterboxGeometry, RgbImage, Tensor } from '../types.js';
import { optEnum, optNumber, optObject } from '../validate.js';
import { U8_TO_FLOAT, U8_TO_HALF, floatToHalf } from './fp16.js';
import { letterboxGeometry, type LetterboxOptions } from './letterbox.js';
import { resizeBilinearU8 } from './resize.js';
import { nativeLetterboxInto, useNativeKernels } from '../native/kernels.js';

/** Ultralytics' border colour, on all three channels. */
export const PAD_VALUE = 114;

export interface PackOptions {
  /** border grey level 0..255; default 114 (Ultralytics) */
  padValue?: number;
}

export interface PreprocessOptions extends LetterboxOptions, PackOptions {
  /**
   * A tensor buffer to fill instead of allocating one (its length must be exactly
   * B * 3 * H * W, of the dtype's array type). Reusing buffers spares a multi-megabyte
   * zero-filled allocation per call.
   */
  out?: Float32Array | Uint16Array;
}

/** An RgbImage of the size its letterbox geometry was computed for, holding w * h * 3 bytes. */
export function checkLetterboxImage(img: RgbImage, geom: LetterboxGeometry): void {
  if (!img || !(img.data instanceof Uint8Array)) throw invalidOption('image', 'an RgbImage with a Uint8Array', img);
  if (img.width !== geom.srcWidth || img.height !== geom.srcHeight) {
    throw new YoloeTrtError(
      'ERR_SHAPE',
      `image is ${img.width}x${img.height} but the letterbox geometry was computed for ${geom.srcWidth}x${geom.srcHeight}`,
    );
  }
  if (img.data.length !== img.width * img.height * 3) {
    throw new YoloeTrtError('ERR_IMAGE_CHANNELS', `RgbImage holds ${img.data.length} bytes, expected ${img.width * img.height * 3} (${img.width}x${img.height}x3)`);
  }
}

/** The image content at its letterboxed size, skipping the resize when the size is unchanged (as Ultralytics does). */
function resizedContent(img: RgbImage, geom: LetterboxGeometry): Uint8Array {
  if (geom.newWidth === img.width && geom.newHeight === img.height) return img.data;
  return resizeBilinearU8(img.data, img.width, img.height, 3, geom.newWidth, geom.newHeight);
}

/**
 * The letterboxed image as uint8 RGB HWC (`dstHeight x dstWidth x 3`): what Ultralytics hands
 * to the model before `/ 255`. Useful to compare with native twins and reference pipelines.
 * @example const u8 = letterboxU8(img, letterboxGeometry(img.width, img.height, 640, 640));
 */
export function letterboxU8(img: RgbImage, geom: LetterboxGeometry, opts?: PackOptions): Uint8Array {
  checkLetterboxImage(img, geom);
  const pad = optNumber('padValue', optObject('pack options', opts).padValue, PAD_VALUE, 0, 255, { integer: true });
  const { dstWidth: W, dstHeight: H, newWidth: nw, newHeight: nh, left, top } = geom;
  const out = new Uint8Array(W * H * 3).fill(pad);
  const content = resizedContent(img, geom);
  for (let y = 0; y < nh; y++) out.set(content.subarray(y * nw * 3, (y + 1) * nw * 3), ((y + top) * W + left) * 3);
  return out;
}

/**
 * Letterboxes one image into a batch tensor: resize (OpenCV INTER_LINEAR twin), pad, `/ 255`,
 * HWC -> CHW, written at element `offset` of `out` as float32, or as fp16 bits when `out` is
 * a Uint16Array. Writes exactly `3 * dstHeight * dstWidth` elements.
 *
 * @param offset element offset of this image's `[3, H, W]` block; default 0
 * @param opts.padValue border grey level; default 114
 * @example
 * const g = letterboxGeometry(img.width, img.height, 640, 640);
 * const t = new Float32Array(3 * 640 * 640);
 * letterboxInto(img, g, t);
 */
export function letterboxInto(img: RgbImage, geom: LetterboxGeometry, out: Float32Array | Uint16Array, offset = 0, opts?: PackOptions): void {
  checkLetterboxImage(img, geom);
  const pad = optNumber('padValue', optObject('pack options', opts).padValue, PAD_VALUE, 0, 255, { integer: true });
  const { dstWidth: W, dstHeight: H, newWidth: nw, newHeight: nh, left, top } = geom;
  const plane = W * H;
  if (!Number.isInteger(offset) || offset < 0) throw invalidOption('offset', 'a non-negative integer', offset);
  if (!(out instanceof Float32Array) && !(out instanceof Uint16Array)) throw invalidOption('out', 'a Float32Array or a Uint16Array (fp16 bits)', out);
  if (out.length < offset + 3 * plane) {
    throw new YoloeTrtError('ERR_SHAPE', `tensor of ${out.length} elements cannot hold a 3x${H}x${W} image at offset ${offset}`);
  }
  if (out instanceof Float32Array) packPlanes(resizedContent(img, geom), out, U8_TO_FLOAT, U8_TO_FLOAT[pad], offset, W, H, nw, nh, left, top);
  else packPlanes(resizedContent(img, geom), out, U8_TO_HALF, floatToHalf(pad / 255), offset, W, H, nw, nh, left, top);
}

/** Border fill plus the one pass over the content that writes three planes through the lookup table. */
function packPlanes<T extends Float32Array | Uint16Array>(
  content: Uint8Array,
  out: T,
  lut: T,
  padCode: number,
  offset: number,
  W: number,
  H: number,
  nw: number,
  nh: number,
  left: number,
  top: number,
): void {
  const plane = W * H;
  const right = left + nw;
  for (let c = 0; c < 3; c++) {
    const base = offset + c * plane;
    out.fill(padCode, base, base + top * W);
    out.fill(padCode, base + (top + nh) * W, base + plane);
    for (let y = top; y < top + nh; y++) {
      out.fill(padCode, base + y * W, base + y * W + left);
      out.fill(padCode, base + y * W + right, base + (y + 1) * W);
    }
  }
  const g0 = offset + plane;
  const b0 = offset + 2 * plane;
  let s = 0;
  for (let y = 0; y < nh; y++) {
    const row = (y + top) * W + left;
    for (let x = 0; x < nw; x++, s += 3) {
      const i = row + x;
      out[offset + i] = lut[content[s]];
      out[g0 + i] = lut[content[s + 1]];
      out[b0 + i] = lut[content[s + 2]];
    }
  }
}

/**
 * The letterbox of every image of one batch tensor, as preprocess() lays them out (and the GPU
 * letterbox of the TensorRT backend too): `auto` shrinks the canvas only when all images have
 * the same size, as in Ultralytics' predictor (a batch tensor needs one shape).
 */
export function batchGeometries(images: RgbImage[], dstW: number, dstH: number, opts: LetterboxOptions = {}): LetterboxGeometry[] {
  if (!Array.isArray(images) || images.length === 0) throw invalidOption('images', 'a non-empty array of RgbImage', images);
  const first = images[0];
  const sameSize = images.every((im) => im && im.width === first.width && im.height === first.height);
  const geomOpts: LetterboxOptions = { auto: (opts.auto ?? false) && sameSize, stride: opts.stride, scaleUp: opts.scaleUp, center: opts.center };
  return images.map((im) => {
    if (!im || typeof im !== 'object') throw invalidOption('images', 'an array of RgbImage', im);
    return letterboxGeometry(im.width, im.height, dstW, dstH, geomOpts);
  });
}

/**
 * THE preprocessing of yoloe-trt, shared by inference, calibration and evaluation: every
 * image is letterboxed into a `dstHeight x dstWidth` canvas exactly as Ultralytics `LetterBox`
 * does and packed into one `[B, 3, H, W]` tensor.
 *
 * With `auto` (dynamic-shape models) the canvas shrinks to the smallest stride multiple, but,
 * as in Ultralytics' predictor, only when all images of the batch have the same size (a batch
 * tensor needs one shape); otherwise the full `dstWidth x dstHeight` is used.
 *
 * @param dtype 'float32' or 'float16' (raw fp16 bits in a Uint16Array)
 * @param opts.auto default false; opts.stride default 32; opts.scaleUp default true;
 *   opts.center default true; opts.padValue default 114
 * @example
 * const { tensor, geometries } = preprocess([img], 640, 640, 'float32');
 * // tensor.dims = [1, 3, 640, 640]
 */
export function preprocess(
  images: RgbImage[],
  dstW: number,
  dstH: number,
  dtype: 'float32' | 'float16',
  opts?: PreprocessOptions,
): { tensor: Tensor; geometries: LetterboxGeometry[] } {
  if (!Array.isArray(images) || images.length === 0) throw invalidOption('images', 'a non-empty array of RgbImage', images);
  const type = optEnum('dtype', dtype, ['float32', 'float16'] as const, 'float32');
  const o = optObject('preprocess options', opts) as PreprocessOptions;
  const geometries = batchGeometries(images, dstW, dstH, o);
  const H = geometries[0].dstHeight;
  const W = geometries[0].dstWidth;
  const size = 3 * H * W;
  const data = o.out ?? (type === 'float32' ? new Float32Array(images.length * size) : new Uint16Array(images.length * size));
  if (o.out !== undefined && (o.out.length !== images.length * size || (type === 'float32') !== (o.out instanceof Float32Array))) {
    throw invalidOption('out', `a ${type === 'float32' ? 'Float32Array' : 'Uint16Array'} of ${images.length * size} elements`, o.out);
  }
  const pack = useNativeKernels() ? nativeLetterboxInto : letterboxInto;
  images.forEach((im, i) => pack(im, geometries[i], data, i * size, { padValue: o.padValue }));
  return { tensor: { dtype: type, dims: [images.length, 3, H, W], data }, geometries };
}
