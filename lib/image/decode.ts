import sharp from 'sharp';
import { YoloeTrtError, describeValue, invalidOption } from '../errors.js';
import { readSourceFile } from '../fs/source-file.js';
import { resolveImageLimits, type ResolvedImageLimits } from './limits.js';
import type { ImageInput, RawImage, RgbImage } from '../types.js';
import { PAD_VALUE } from './pack.js';

/**
 * Decodes one image into 3-channel RGB uint8 HWC, whatever it was:
 * - a file path, or encoded bytes (JPEG, PNG, WebP, TIFF, GIF, AVIF, ... anything sharp reads):
 *   EXIF orientation applied, alpha flattened onto the pad grey (114, 114, 114), grey expanded
 *   to RGB, 16-bit samples reduced to 8 bits (`v >> 8`, as cv2.imread does);
 * - raw pixels `{ data, width, height, channels }` with 1..4 interleaved channels, converted
 *   here without sharp: 1 = grey, 2 = grey + alpha, 3 = RGB (copied), 4 = RGBA.
 *
 * Alpha is flattened with `floor((c * a + 114 * (255 - a)) / 255)`, the exact integer form of
 * what sharp's `flatten()` does (checked on all 65,536 colour/alpha pairs), so raw RGBA and the
 * same pixels as a PNG decode identically. (Ultralytics' `cv2.imread` drops alpha instead.)
 *
 * `limits` (see image/limits.ts): images over `maxPixels` (default 16383 x 16383) or files /
 * buffers over `maxBytes` (default 256 MiB) are refused before decoding.
 *
 * Errors: ERR_FILE_NOT_FOUND (missing path), ERR_NOT_A_FILE (a folder, FIFO or device),
 * ERR_FILE_TOO_LARGE (over maxBytes), ERR_IMAGE_DECODE (corrupt or unsupported bytes, over maxPixels),
 * ERR_IMAGE_CHANNELS (raw pixels with 0 or >4 channels, or a data length other than
 * w*h*c), ERR_INVALID_OPTION (anything else, or non-positive raw sizes).
 *
 * @example
 * const img = await decodeImage('bus.jpg'); // { width: 810, height: 1080, data: Uint8Array(2624400) }
 */
export async function decodeImage(input: ImageInput, limits: ResolvedImageLimits = resolveImageLimits()): Promise<RgbImage> {
  if (typeof input === 'string') return decodeEncoded(await readImageFile(input, limits.maxBytes), limits, input);
  if (input instanceof Uint8Array) {
    if (input.length > limits.maxBytes) {
      throw new YoloeTrtError('ERR_FILE_TOO_LARGE', `The image buffer has ${input.length} bytes, more than maxImageBytes ${limits.maxBytes}`, { bytes: input.length, maxBytes: limits.maxBytes });
    }
    return decodeEncoded(input, limits);
  }
  if (input !== null && typeof input === 'object' && !Array.isArray(input) && 'data' in input) {
    const pixels = (input as RawImage).width * (input as RawImage).height;
    if (pixels > limits.maxPixels) throw tooManyPixels(`raw image of ${input.width}x${input.height}`, limits.maxPixels);
    return fromRawPixels(input);
  }
  throw invalidOption('image', 'a file path, an encoded Buffer/Uint8Array or raw pixels { data, width, height, channels }', input);
}

/**
 * Decodes several images concurrently (sharp decodes on libuv's thread pool); results keep
 * the input order. Rejects with the first failure.
 * @example const [a, b] = await decodeImages(['bus.jpg', pngBytes]);
 */
export async function decodeImages(inputs: ImageInput[], limits?: ResolvedImageLimits): Promise<RgbImage[]> {
  if (!Array.isArray(inputs)) throw invalidOption('images', 'an array of images', inputs);
  return Promise.all(inputs.map((input) => decodeImage(input, limits)));
}

async function readImageFile(path: string, maxBytes: number): Promise<Buffer> {
  if (path.length === 0) throw invalidOption('image', 'a non-empty file path', path);
  return readSourceFile(path, 'image', maxBytes);
}

function tooManyPixels(where: string, maxPixels: number): YoloeTrtError {
  return new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot decode ${where}: it has more pixels than maxPixels ${maxPixels}`, { maxPixels });
}

async function decodeEncoded(bytes: Uint8Array, limits: ResolvedImageLimits, path?: string): Promise<RgbImage> {
  const where = path === undefined ? `image buffer of ${bytes.length} bytes` : `image ${path}`;
  if (bytes.length === 0) throw new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot decode ${where}: it is empty`, { path });
  let result: { data: Buffer; info: sharp.OutputInfo };
  try {
    // ignoreIcc: OpenCV (and so Ultralytics) ignores embedded colour profiles; converting them shifts pixels.
    result = await sharp(bytes, { failOn: 'error', ignoreIcc: true, limitInputPixels: limits.maxPixels })
      .rotate() // EXIF orientation
      .flatten({ background: { r: PAD_VALUE, g: PAD_VALUE, b: PAD_VALUE } })
      .toColourspace('srgb') // grey -> RGB, CMYK -> RGB, 16 -> 8 bit
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (err) {
    if (/pixel limit/i.test((err as Error).message)) throw tooManyPixels(where, limits.maxPixels);
    throw new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot decode ${where}: ${(err as Error).message}`, { path }, { cause: err });
  }
  const { data, info } = result;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new YoloeTrtError('ERR_IMAGE_DECODE', `Cannot decode ${where}: sharp returned ${info.channels} channels of ${info.width}x${info.height}`, { path });
  }
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Raw interleaved pixels -> RGB, in TypeScript (no sharp round trip). */
export function fromRawPixels(raw: RawImage): RgbImage {
  const { data, width, height, channels } = raw;
  if (!(data instanceof Uint8Array) && !(data instanceof Uint8ClampedArray)) {
    throw invalidOption('image.data', 'a Buffer, Uint8Array or Uint8ClampedArray', data);
  }
  if (!Number.isInteger(width) || width < 1) throw invalidOption('image.width', 'a positive integer', width);
  if (!Number.isInteger(height) || height < 1) throw invalidOption('image.height', 'a positive integer', height);
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new YoloeTrtError('ERR_IMAGE_CHANNELS', `Raw pixels must have 1 to 4 channels (grey, grey+alpha, RGB, RGBA) but received ${describeValue(channels)}`, { channels });
  }
  const pixels = width * height;
  if (data.length !== pixels * channels) {
    throw new YoloeTrtError(
      'ERR_IMAGE_CHANNELS',
      `Raw pixels of ${width}x${height}x${channels} need ${pixels * channels} bytes but data holds ${data.length}`,
      { width, height, channels, length: data.length },
    );
  }
  const out = new Uint8Array(pixels * 3);
  if (channels === 3) {
    out.set(data);
  } else if (channels === 1) {
    for (let i = 0, o = 0; i < pixels; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = data[i];
  } else if (channels === 2) {
    for (let i = 0, o = 0; i < pixels; i++, o += 3) out[o] = out[o + 1] = out[o + 2] = flatten(data[2 * i], data[2 * i + 1]);
  } else {
    for (let i = 0, o = 0; i < 4 * pixels; i += 4, o += 3) {
      const a = data[i + 3];
      out[o] = flatten(data[i], a);
      out[o + 1] = flatten(data[i + 1], a);
      out[o + 2] = flatten(data[i + 2], a);
    }
  }
  return { data: out, width, height };
}

/** Alpha blend onto the pad grey, truncating like sharp's flatten. */
function flatten(c: number, a: number): number {
  return Math.floor((c * a + PAD_VALUE * (255 - a)) / 255);
}
