// Issue 11 ("a newcomer's first hour"), the API side: unknown option keys, option values that
// were silently accepted, settled batches, file-system failures, byte and pixel caps.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model } from '../lib/model.js';
import { decodeImage } from '../lib/image/decode.js';
import { resolveImageLimits } from '../lib/image/limits.js';
import { checkKnownKeys, closestKey } from '../lib/validate.js';
import { checkOutputPath, writeFileAtomic, writeFileAtomicSync } from '../lib/fs/atomic-write.js';
import { expandImageArgs } from '../lib/fs/image-list.js';
import { YoloeTrtError } from '../lib/errors.js';
import * as api from '../lib/index.js';
import { IMAGES, MODELS } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'yoloe-newcomer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The typed error a promise (or a function) fails with. */
async function failure(fn: () => unknown): Promise<YoloeTrtError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(YoloeTrtError);
    return err as YoloeTrtError;
  }
  throw new Error('expected a failure');
}

describe('unknown option keys', () => {
  it('suggests the known key a typo meant, by case, separators, edit distance or prefix', () => {
    expect(closestKey('max_det', ['conf', 'maxDet', 'maxNms'])).toBe('maxDet');
    expect(closestKey('Backend', ['backend', 'threads'])).toBe('backend');
    expect(closestKey('confidence', ['conf', 'iou'])).toBe('conf');
    expect(closestKey('ioo', ['conf', 'iou'])).toBe('iou');
    expect(closestKey('zebra', ['conf', 'iou'])).toBeUndefined();
  });

  it('checkKnownKeys names the key, the suggestion and the known keys', async () => {
    const e = await failure(() => checkKnownKeys('detect', { conf: 0.5, max_det: 1 }, ['conf', 'maxDet']));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.message).toBe('Unknown option "max_det" for detect (did you mean maxDet?); known options: conf, maxDet');
    expect(e.details).toEqual({ option: 'max_det', suggestion: 'maxDet' });
    expect(() => checkKnownKeys('detect', { conf: 0.5 }, ['conf'])).not.toThrow();
  });

  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MODELS.det640(), { backend: 'cpu' });
  });
  afterAll(async () => model?.dispose());

  it('detect() rejects max_det and confidence instead of running with the defaults', async () => {
    const a = await failure(() => model.detect(IMAGES.bus(), { max_det: 1 } as never));
    expect(a.message).toContain('did you mean maxDet?');
    const b = await failure(() => model.detect(IMAGES.bus(), { confidence: 0.9 } as never));
    expect(b.message).toContain('did you mean conf?');
    // the known ones still work
    expect((await model.detect(IMAGES.bus(), { maxDet: 1 })).detections).toHaveLength(1);
  });

  it('loadModel() rejects Backend', async () => {
    const e = await failure(() => loadModel(MODELS.det640(), { Backend: 'tensorrt' } as never));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.message).toContain('did you mean backend?');
  });

  it('every public function with options rejects unknown keys', async () => {
    const mask = { width: 2, height: 2, data: Uint8Array.of(1, 1, 1, 1) };
    const cases: [string, () => unknown][] = [
      ['buildEngine', () => api.buildEngine({ onnx: MODELS.det640(), output: join(tmp, 'x.engine'), precison: 'fp16' } as never)],
      ['buildEngine calibration', () => api.buildEngine({ onnx: MODELS.det640(), output: join(tmp, 'x.engine'), precision: 'int8', calibration: { image: 'x' } } as never)],
      ['quantize', () => api.quantize({ onnx: MODELS.det640(), calibration: { images: IMAGES.bus() }, maxdrop: 1 } as never)],
      ['quantize calibration', () => api.quantize({ onnx: MODELS.det640(), calibration: { images: IMAGES.bus(), counts: 1 } } as never)],
      ['prepareCalibrationSet', () => api.prepareCalibrationSet({ images: IMAGES.bus(), imgsz: 640, sed: 1 } as never)],
      ['evaluateModel', () => api.evaluateModel(model, { gt: { images: [], annotations: [], categories: [] }, classToCategory: [] } as never, { confs: 0.1 } as never)],
      ['evaluateCoco', () => api.evaluateCoco({ images: [], annotations: [], categories: [] } as never, [], 'bbox', { imgIds: [1] } as never)],
      ['loadGroundTruth', () => api.loadGroundTruth('x.json', { imageDir: 'x' } as never)],
      ['quantizationReport', () => api.quantizationReport({ fp32: MODELS.det640(), int8: MODELS.det640(), images: [IMAGES.bus()], latency: 1 } as never)],
      ['maskToPolygons', () => api.maskToPolygons(mask, { simplfy: 1 } as never)],
    ];
    for (const [where, fn] of cases) {
      const e = await failure(fn);
      expect(e.code, where).toBe('ERR_INVALID_OPTION');
      expect(e.message, where).toContain(`for ${where}`);
    }
  });
});

describe('option values that used to be ignored', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MODELS.det640(), { backend: 'cpu' });
  });
  afterAll(async () => model?.dispose());

  it('retina: true on a detect model is refused like masks: true', async () => {
    const retina = await failure(() => model.detect(IMAGES.bus(), { retina: true }));
    const masks = await failure(() => model.detect(IMAGES.bus(), { masks: true }));
    expect(retina.code).toBe('ERR_INVALID_OPTION');
    expect(masks.code).toBe('ERR_INVALID_OPTION');
    expect(retina.message).toMatch(/segmentation model for retina.*detect model/);
    expect(retina.details).toEqual({ option: 'retina' });
    expect((await model.detect(IMAGES.bus(), { retina: false })).detections.length).toBeGreaterThan(0);
  });

  it('classes beyond the model\'s class count are refused, naming the value', async () => {
    const e = await failure(() => model.detect(IMAGES.bus(), { classes: [0, 999] }));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.message).toContain('received 999 (the model has 80 classes)');
    expect((await model.detect(IMAGES.bus(), { classes: [79] })).detections).toEqual([]);
  });

  it('batchSize 0 and -1 are refused on a static-batch model too', async () => {
    expect(model.info.dynamicBatch).toBe(false);
    for (const v of [0, -1, 1.5]) {
      const e = await failure(() => model.detect(IMAGES.bus(), { batchSize: v }));
      expect(e.message).toContain(`for batchSize but received ${v}`);
    }
  });
});

describe('batches: one bad input', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MODELS.det640(), { backend: 'cpu' });
  });
  afterAll(async () => model?.dispose());

  it('rejects the whole call by default, and settles per input with settle: true', async () => {
    const truncated = readFileSync(IMAGES.bus()).subarray(0, 20000);
    await expect(model.detect([IMAGES.bus(), truncated, IMAGES.zidane()])).rejects.toMatchObject({ code: 'ERR_IMAGE_DECODE' });
    const settled = await model.detect([IMAGES.bus(), truncated, '/no/such.jpg', IMAGES.zidane()], { settle: true });
    expect(settled).toHaveLength(4);
    expect(settled[1]!.error?.code).toBe('ERR_IMAGE_DECODE');
    expect(settled[2]!.error?.code).toBe('ERR_FILE_NOT_FOUND');
    const [bus, zidane] = await model.detect([IMAGES.bus(), IMAGES.zidane()]);
    expect(settled[0]!.result).toEqual(bus);
    expect(settled[3]!.result).toEqual(zidane);
    // option errors still reject: they concern every input
    await expect(model.detect([IMAGES.bus()], { settle: true, conf: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { settle: true } as never)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('file-system failures are typed and name the path', () => {
  it('a folder given as an image or a model says it is a folder', async () => {
    const img = await failure(() => decodeImage(tmp));
    expect(img.code).toBe('ERR_NOT_A_FILE');
    expect(img.message).toBe(`The image path ${tmp} is a folder, not a file`);
    const model = await failure(() => loadModel(tmp));
    expect(model.code).toBe('ERR_NOT_A_FILE');
    expect(model.message).toContain('is a folder');
  });

  it('FIFOs and devices are refused at once instead of read forever', async () => {
    const fifo = join(tmp, 'pipe.jpg');
    execFileSync('mkfifo', [fifo]);
    const t0 = Date.now();
    for (const path of [fifo, '/dev/zero']) {
      const e = await failure(() => decodeImage(path));
      expect(e.code).toBe('ERR_NOT_A_FILE');
      expect(e.details).toEqual({ path });
      expect((await failure(() => loadModel(path))).code).toBe('ERR_NOT_A_FILE');
    }
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('caps the bytes read from an image (maxImageBytes) and a model (maxModelBytes)', async () => {
    const size = readFileSync(IMAGES.bus()).length;
    const limits = resolveImageLimits({ maxImageBytes: size - 1 });
    const file = await failure(() => decodeImage(IMAGES.bus(), limits));
    expect(file.code).toBe('ERR_FILE_TOO_LARGE');
    expect(file.message).toContain(`has ${size} bytes, more than the limit of ${size - 1}`);
    const buffer = await failure(() => decodeImage(readFileSync(IMAGES.bus()), limits));
    expect(buffer.code).toBe('ERR_FILE_TOO_LARGE');
    expect((await decodeImage(IMAGES.bus(), resolveImageLimits({ maxImageBytes: size }))).width).toBe(810);
    const model = await failure(() => loadModel(MODELS.det640(), { maxModelBytes: 1000 }));
    expect(model.code).toBe('ERR_FILE_TOO_LARGE');
  });

  it('maxPixels refuses larger images (files, buffers and raw pixels) before decoding', async () => {
    const limits = resolveImageLimits({ maxPixels: 810 * 1080 - 1 });
    for (const input of [IMAGES.bus(), readFileSync(IMAGES.bus()), { data: new Uint8Array(810 * 1080 * 3), width: 810, height: 1080, channels: 3 }]) {
      const e = await failure(() => decodeImage(input, limits));
      expect(e.code).toBe('ERR_IMAGE_DECODE');
      expect(e.message).toContain(`more pixels than maxPixels ${810 * 1080 - 1}`);
    }
    expect((await decodeImage(IMAGES.bus(), resolveImageLimits({ maxPixels: 810 * 1080 }))).height).toBe(1080);
    const model = await loadModel(MODELS.det640(), { backend: 'cpu' });
    try {
      await expect(model.detect(IMAGES.bus(), { maxPixels: 1000 })).rejects.toMatchObject({ code: 'ERR_IMAGE_DECODE' });
      await expect(model.detect(IMAGES.bus(), { maxPixels: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    } finally {
      await model.dispose();
    }
  });
});

describe('atomic writes', () => {
  it('replace the file whole and leave no temporary file behind', async () => {
    const dir = join(tmp, 'atomic');
    mkdirSync(dir);
    const path = join(dir, 'out.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    writeFileAtomicSync(join(dir, 'b.bin'), Uint8Array.of(1, 2, 3));
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['b.bin', 'out.json']);
  });

  it('fail with ERR_FILE_WRITE naming the path when the folder is missing or a folder is in the way', async () => {
    const missing = await failure(() => writeFileAtomic(join(tmp, 'no', 'dir', 'x.json'), 'x'));
    expect(missing.code).toBe('ERR_FILE_WRITE');
    expect(missing.message).toContain(`the folder ${join(tmp, 'no', 'dir')} does not exist`);
    const dir = join(tmp, 'a-folder');
    mkdirSync(dir);
    expect((await failure(() => writeFileAtomic(dir, 'x'))).message).toContain('it is a folder');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuse an output that is the input, also through a symbolic link', async () => {
    const input = join(tmp, 'model.onnx');
    writeFileSync(input, 'fp32');
    const link = join(tmp, 'link.onnx');
    symlinkSync(input, link);
    for (const out of [input, link, join(tmp, '.', 'model.onnx')]) {
      const e = await failure(() => checkOutputPath(out, { inputs: [input], option: 'output' }));
      expect(e.code).toBe('ERR_FILE_WRITE');
      expect(e.message).toContain(`it is the input ${input}`);
    }
    expect(() => checkOutputPath(join(tmp, 'other.onnx'), { inputs: [input] })).not.toThrow();
  });

  it('quantize() refuses output === onnx and a missing output folder before calibrating', async () => {
    const copy = join(tmp, 'det.onnx');
    writeFileSync(copy, readFileSync(MODELS.det640()));
    const before = readFileSync(copy);
    const t0 = Date.now();
    const same = await failure(() => api.quantize({ onnx: copy, output: copy, calibration: { images: IMAGES.bus() } }));
    expect(same.code).toBe('ERR_FILE_WRITE');
    const missing = await failure(() => api.quantize({ onnx: copy, output: '/missing/dir/x.onnx', calibration: { images: IMAGES.bus() } }));
    expect(missing.message).toContain('the folder /missing/dir does not exist');
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(readFileSync(copy).equals(before)).toBe(true);
  });
});

describe('image arguments: folders and globs', () => {
  it('expands folders and globs to sorted image files, keeps plain files as given', () => {
    const dir = join(tmp, 'imgs');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    for (const f of ['b.jpg', 'a.PNG', 'notes.txt', 'sub/c.jpg']) writeFileSync(join(dir, f), '');
    expect(expandImageArgs([dir])).toEqual([join(dir, 'a.PNG'), join(dir, 'b.jpg')]);
    expect(expandImageArgs([join(dir, '*.jpg'), join(dir, 's?b', '*')])).toEqual([join(dir, 'b.jpg'), join(dir, 'sub', 'c.jpg')]);
    expect(expandImageArgs(['/no/such.jpg'])).toEqual(['/no/such.jpg']);
    expect(() => expandImageArgs([join(dir, '*.gif')])).toThrow(/No images match/);
  });
});
