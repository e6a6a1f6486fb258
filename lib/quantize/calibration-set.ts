import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { YoloeTrtError, invalidOption } from '../errors.js';
import { decodeImage, preprocess, PAD_VALUE } from '../image/index.js';
import type { Tensor } from '../types.js';
import { checkKnownKeys, optNumber, optObject, optString } from '../validate.js';
import { IMAGE_EXTENSIONS, expandImageArgs, isGlob, listImageFolder } from '../fs/image-list.js';
import { seededRandom } from '../random.js';

/**
 * Calibration sets for INT8: a deterministic sample of images, turned into tensors by THE
 * inference preprocessing (lib/image preprocess(): letterbox, /255, CHW), cached on disk.
 *
 * The cache is a YOLOECAL tensor file, the format the C++ calibrators read
 * (native/tensorrt/calibration_data.h), little-endian:
 *   "YOLOECAL" | u32 version 1 | u32 dtype 0 (float32) | u32 rank | u32 dims[rank] | u32 batches | data
 */
export const CALIBRATION_MAGIC = 'YOLOECAL';
/** Bump when the preprocessing's output changes: cached tensors made before then are stale. */
export const PREPROCESS_VERSION = 1;
export { IMAGE_EXTENSIONS } from '../fs/image-list.js';
const DEFAULT_COUNT = 500;

export interface CalibrationSetOptions {
  /** a folder (its image files, not recursive) or a list of image files */
  images: string | string[];
  /** images to sample; default min(500, available) */
  count?: number;
  /** network input: one number or [height, width] */
  imgsz: number | [number, number];
  /** seed of the sampling shuffle; default 0 */
  seed?: number;
  /** where tensors are cached; default <os tmpdir>/yoloe-trt-calibration */
  cacheDir?: string;
  /** letterbox border grey; default 114 */
  padValue?: number;
}

/** Every key prepareCalibrationSet() accepts; anything else is ERR_INVALID_OPTION. Add new options here. */
export const CALIBRATION_SET_OPTION_KEYS: readonly string[] = ['images', 'count', 'imgsz', 'seed', 'cacheDir', 'padValue'];

export interface CalibrationSet {
  /** sha256 over the selected files (path, size, mtime), imgsz, pad and preprocessing version */
  digest: string;
  /** the selected images, in sampling order */
  files: string[];
  /** [height, width] */
  imgsz: [number, number];
  count: number;
  /** the cached per-image tensor file ([1, 3, H, W] x count) */
  tensorPath: string;
  /** true when the tensors came from the cache instead of being computed */
  fromCache: boolean;
  /** the tensors in order, `batchSize` images at a time (the last batch may be smaller) */
  batches(batchSize?: number): Generator<Tensor>;
  /**
   * A YOLOECAL file with `batchSize` images per batch for the TensorRT calibrators; a last
   * partial batch is left out (TensorRT calibrates at a fixed shape). Returns its path.
   */
  writeTensorFile(batchSize: number, path?: string): string;
}

/** The sorted image files of a folder, or the given list checked and sorted. */
export function listCalibrationImages(images: string | string[]): string[] {
  if (typeof images === 'string' && images.length > 0) {
    if (isGlob(images) && !existsSync(images)) return expandImageArgs([images]).map((f) => resolve(f));
    const dir = resolve(images);
    if (!existsSync(dir)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Calibration image folder not found: ${images}`, { path: images });
    if (!statSync(dir).isDirectory()) return [dir];
    const files = listImageFolder(dir);
    if (files.length === 0) throw new YoloeTrtError('ERR_DATASET', `No images (${IMAGE_EXTENSIONS.join(', ')}) in ${images}`, { path: images });
    return files.sort(compareStrings);
  }
  if (!Array.isArray(images) || images.length === 0 || !images.every((p) => typeof p === 'string' && p.length > 0)) {
    throw invalidOption('images', 'a folder path or a non-empty array of image paths', images);
  }
  const files = images.map((p) => resolve(p));
  for (const file of files) {
    if (!existsSync(file)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Calibration image not found: ${file}`, { path: file });
  }
  return [...new Set(files)].sort(compareStrings);
}

/** Code-unit order: the same on every machine and locale (localeCompare is not). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `count` files of the sorted list, picked by a Fisher-Yates shuffle seeded with `seed`. */
export function sampleFiles(sortedFiles: string[], count: number, seed: number): string[] {
  const order = [...sortedFiles];
  const random = seededRandom(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, count);
}

function imgszPair(value: unknown): [number, number] {
  const ok = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 32 && n <= 8192;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && ok(value[0]) && ok(value[1])) return [value[0], value[1]];
  throw invalidOption('imgsz', 'an integer 32..8192 or [height, width]', value);
}

/** The calibration set's identity: changes when a file, its size or mtime, imgsz, pad or the preprocessing change. */
export function calibrationDigest(files: string[], imgsz: [number, number], padValue: number): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ preprocess: PREPROCESS_VERSION, imgsz, padValue }));
  for (const file of files) {
    const info = statSync(file);
    hash.update(`\n${file}\0${info.size}\0${Math.round(info.mtimeMs)}`);
  }
  return hash.digest('hex');
}

function headerBytes(dims: number[], batches: number): Buffer {
  const head = Buffer.alloc(8 + 4 * 3 + 4 * dims.length + 4);
  head.write(CALIBRATION_MAGIC, 0, 'latin1');
  let at = 8;
  for (const value of [1, 0, dims.length, ...dims, batches]) {
    head.writeUInt32LE(value, at);
    at += 4;
  }
  return head;
}

/** Reads a YOLOECAL header: { dims, batches, dataOffset }, or null when the file is not a complete one. */
export function readTensorFileHeader(path: string): { dims: number[]; batches: number; dataOffset: number } | null {
  if (!existsSync(path)) return null;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(Math.min(size, 64));
    readSync(fd, head, 0, head.length, 0);
    if (head.length < 24 || head.toString('latin1', 0, 8) !== CALIBRATION_MAGIC) return null;
    if (head.readUInt32LE(8) !== 1 || head.readUInt32LE(12) !== 0) return null;
    const rank = head.readUInt32LE(16);
    if (rank < 1 || rank > 8 || head.length < 24 + 4 * rank) return null;
    const dims = Array.from({ length: rank }, (_, i) => head.readUInt32LE(20 + 4 * i));
    const batches = head.readUInt32LE(20 + 4 * rank);
    const dataOffset = 24 + 4 * rank;
    const batchBytes = dims.reduce((a, b) => a * b, 1) * 4;
    return dataOffset + batches * batchBytes === size ? { dims, batches, dataOffset } : null;
  } finally {
    closeSync(fd);
  }
}

/** Writes the per-image tensors to `path` atomically, one image at a time (memory stays flat). */
async function writeImageTensors(files: string[], imgsz: [number, number], padValue: number, path: string): Promise<void> {
  const [h, w] = imgsz;
  const temporary = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(temporary, 'w');
  try {
    writeSync(fd, headerBytes([1, 3, h, w], files.length));
    for (const file of files) {
      let image;
      try {
        image = await decodeImage(file);
      } catch (err) {
        throw new YoloeTrtError('ERR_CALIBRATION', `Calibration image ${file} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`, { path: file }, { cause: err });
      }
      const { tensor } = preprocess([image], w, h, 'float32', { padValue });
      const data = tensor.data as Float32Array;
      writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    closeSync(fd);
    renameSync(temporary, path);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    throw err;
  }
}

function* readBatches(path: string, imgsz: [number, number], count: number, batchSize: number): Generator<Tensor> {
  const header = readTensorFileHeader(path);
  if (!header || header.batches !== count) throw new YoloeTrtError('ERR_CALIBRATION', `Calibration tensor file ${path} is missing or damaged`);
  const [h, w] = imgsz;
  const imageFloats = 3 * h * w;
  const fd = openSync(path, 'r');
  try {
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      const data = new Float32Array(n * imageFloats);
      readSync(fd, new Uint8Array(data.buffer), 0, data.byteLength, header.dataOffset + start * imageFloats * 4);
      yield { dtype: 'float32', dims: [n, 3, h, w], data };
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Samples `count` images (seeded shuffle of the sorted list) and prepares their tensors with the
 * inference preprocessing, reusing the on-disk cache when the same set was prepared before.
 *
 * @param options.images a folder or a list of files
 * @param options.count default min(500, available)
 * @param options.imgsz network input size
 * @param options.seed default 0
 * @param options.cacheDir default <os tmpdir>/yoloe-trt-calibration
 * @param options.padValue default 114
 * @example
 * const set = await prepareCalibrationSet({ images: 'coco/val2017', count: 256, imgsz: 640 });
 * for (const batch of set.batches(8)) { ... }
 */
export async function prepareCalibrationSet(options: CalibrationSetOptions): Promise<CalibrationSet> {
  const o = optObject('calibration set options', options) as Partial<CalibrationSetOptions>;
  checkKnownKeys('prepareCalibrationSet', o, CALIBRATION_SET_OPTION_KEYS);
  const imgsz = imgszPair(o.imgsz);
  const seed = optNumber('seed', o.seed, 0, 0, 2 ** 32 - 1, { integer: true });
  const padValue = optNumber('padValue', o.padValue, PAD_VALUE, 0, 255, { integer: true });
  const cacheDir = resolve(optString('cacheDir', o.cacheDir, join(tmpdir(), 'yoloe-trt-calibration'))!);
  const all = listCalibrationImages(o.images as string | string[]);
  const count = optNumber('count', o.count, Math.min(DEFAULT_COUNT, all.length), 1, all.length, { integer: true });
  const files = sampleFiles(all, count, seed);
  const digest = calibrationDigest(files, imgsz, padValue);
  mkdirSync(cacheDir, { recursive: true });
  const tensorPath = join(cacheDir, `${digest.slice(0, 32)}.yoloecal`);
  const cached = readTensorFileHeader(tensorPath);
  const fromCache = cached !== null && cached.batches === count && cached.dims.join() === [1, 3, imgsz[0], imgsz[1]].join();
  if (!fromCache) await writeImageTensors(files, imgsz, padValue, tensorPath);

  return {
    digest,
    files,
    imgsz,
    count,
    tensorPath,
    fromCache,
    batches(batchSize = 1) {
      const size = optNumber('batchSize', batchSize, 1, 1, count, { integer: true });
      return readBatches(tensorPath, imgsz, count, size);
    },
    writeTensorFile(batchSize: number, path?: string) {
      const size = optNumber('batchSize', batchSize, 1, 1, count, { integer: true });
      if (size === 1 && path === undefined) return tensorPath;
      const target = path ?? join(cacheDir, `${digest.slice(0, 32)}-b${size}.yoloecal`);
      const batches = Math.floor(count / size);
      const existing = readTensorFileHeader(target);
      if (existing && existing.batches === batches && existing.dims.join() === [size, 3, imgsz[0], imgsz[1]].join() && path === undefined) return target;
      const temporary = `${target}.tmp-${process.pid}`;
      const fd = openSync(temporary, 'w');
      try {
        try {
          writeSync(fd, headerBytes([size, 3, imgsz[0], imgsz[1]], batches));
          let written = 0;
          for (const batch of readBatches(tensorPath, imgsz, count, size)) {
            if (written++ === batches) break;
            const data = batch.data as Float32Array;
            writeSync(fd, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
          }
        } finally {
          closeSync(fd);
        }
        renameSync(temporary, target);
      } catch (err) {
        // a failed write leaves no partial tensor file behind
        try {
          unlinkSync(temporary);
        } catch {
          // already renamed or never written
        }
        throw err;
      }
      return target;
    },
  };
}
