import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { YoloeTrtError } from '../lib/errors.js';
import { decodeImage, preprocess } from '../lib/image/index.js';
import { listCalibrationImages, prepareCalibrationSet, readTensorFileHeader, sampleFiles } from '../lib/quantize/calibration-set.js';
import { fixture } from './fixtures.js';

const coco = () => fixture('coco128', 'images', 'train2017');
const work = mkdtempSync(join(tmpdir(), 'yoloe-calib-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('deterministic sampling', () => {
  it('the same seed picks the same files whatever the input order; another seed picks others', () => {
    const files = listCalibrationImages(coco());
    expect(files).toHaveLength(128);
    expect([...files].sort()).toEqual(files);
    const a = sampleFiles(files, 16, 7);
    expect(sampleFiles(listCalibrationImages([...files].reverse()), 16, 7)).toEqual(a);
    expect(new Set(a).size).toBe(16);
    expect(sampleFiles(files, 16, 8)).not.toEqual(a);
    // a real shuffle, not the first files of the sorted list
    expect(a).not.toEqual(files.slice(0, 16));
  });
});

describe('prepareCalibrationSet', () => {
  const cacheDir = join(work, 'cache');

  it('produces exactly the tensors of the inference preprocess(), batch by batch', async () => {
    const set = await prepareCalibrationSet({ images: coco(), count: 5, imgsz: [96, 128], seed: 3, cacheDir });
    expect(set.count).toBe(5);
    expect(set.imgsz).toEqual([96, 128]);
    expect(set.digest).toMatch(/^[0-9a-f]{64}$/);
    const batches = [...set.batches(2)];
    expect(batches.map((b) => b.dims)).toEqual([[2, 3, 96, 128], [2, 3, 96, 128], [1, 3, 96, 128]]);
    const images = await Promise.all(set.files.map((f) => decodeImage(f)));
    const expected = preprocess(images.slice(0, 2), 128, 96, 'float32').tensor.data as Float32Array;
    expect(Buffer.compare(Buffer.from((batches[0].data as Float32Array).buffer), Buffer.from(expected.buffer))).toBe(0);
    const last = preprocess([images[4]], 128, 96, 'float32').tensor.data as Float32Array;
    expect(Array.from(batches[2].data as Float32Array)).toEqual(Array.from(last));
  });

  it('reuses the cache for the same set and recomputes when imgsz or a file changes', async () => {
    const images = join(work, 'images');
    mkdirSync(images);
    const source = listCalibrationImages(coco()).slice(0, 4);
    source.forEach((f, i) => copyFileSync(f, join(images, `img${i}.jpg`)));
    const first = await prepareCalibrationSet({ images, count: 3, imgsz: 64, cacheDir });
    expect(first.fromCache).toBe(false);
    const mtime = statSync(first.tensorPath).mtimeMs;
    const again = await prepareCalibrationSet({ images, count: 3, imgsz: 64, cacheDir });
    expect(again.fromCache).toBe(true);
    expect(again.digest).toBe(first.digest);
    expect(again.tensorPath).toBe(first.tensorPath);
    expect(statSync(again.tensorPath).mtimeMs).toBe(mtime);
    const bigger = await prepareCalibrationSet({ images, count: 3, imgsz: 96, cacheDir });
    expect(bigger.digest).not.toBe(first.digest);
    expect(bigger.fromCache).toBe(false);
    // touching a selected file changes the digest: its tensors may be stale
    const touched = first.files[0];
    utimesSync(touched, new Date(), new Date(Date.now() + 5000));
    const afterTouch = await prepareCalibrationSet({ images, count: 3, imgsz: 64, cacheDir });
    expect(afterTouch.digest).not.toBe(first.digest);
    expect(afterTouch.fromCache).toBe(false);
  });

  it('writes the YOLOECAL file the C++ calibrators read, at the calibration batch size', async () => {
    const set = await prepareCalibrationSet({ images: coco(), count: 5, imgsz: 64, seed: 1, cacheDir });
    expect(readTensorFileHeader(set.tensorPath)).toMatchObject({ dims: [1, 3, 64, 64], batches: 5 });
    expect(set.writeTensorFile(1)).toBe(set.tensorPath);
    const path = set.writeTensorFile(2);
    const header = readTensorFileHeader(path)!;
    expect(header).toMatchObject({ dims: [2, 3, 64, 64], batches: 2 }); // the partial 5th image is left out
    expect(statSync(path).size).toBe(header.dataOffset + 2 * 2 * 3 * 64 * 64 * 4);
    expect(readdirSync(cacheDir).some((f) => f.includes('.tmp-'))).toBe(false);
  });

  it('rejects bad options with the uniform message', async () => {
    const call = (o: Record<string, unknown>) => prepareCalibrationSet({ images: coco(), imgsz: 64, cacheDir, ...o } as never);
    await expect(call({ imgsz: 10 })).rejects.toThrow('Expected an integer 32..8192 or [height, width] for imgsz but received 10');
    await expect(call({ count: 500 })).rejects.toThrow('Expected an integer >= 1 and <= 128 for count but received 500');
    await expect(call({ seed: -1 })).rejects.toThrow(/for seed but received -1/);
    await expect(call({ images: [] })).rejects.toThrow('Expected a folder path or a non-empty array of image paths for images but received array of length 0');
    const missing = await call({ images: join(work, 'missing') }).catch((e) => e);
    expect(missing).toBeInstanceOf(YoloeTrtError);
    expect(missing.code).toBe('ERR_FILE_NOT_FOUND');
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await expect(call({ images: empty })).rejects.toMatchObject({ code: 'ERR_DATASET' });
  });
});
