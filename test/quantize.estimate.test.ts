/**
 * The label-free held-out drop estimate: mirroring checked against OpenCV's flip and hand-computed
 * boxes, AP over bootstrap resamples against the same images duplicated in a COCO dataset, and
 * the estimator on real models (fp32 against itself ~0; a damaged model, whose labelled drop on
 * the same images is large, a large estimate).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateCoco, evaluateCocoImages, type CocoAnnotation, type CocoDetection, type CocoGroundTruth } from '../lib/eval/index.js';
import { decodeImage } from '../lib/image/decode.js';
import { loadModel, type Model } from '../lib/model.js';
import { loadOnnxFile, makeTensor, tensorToFloat32, writeOnnx } from '../lib/onnx/index.js';
import { loadEvaluationData, toCocoDetections } from '../lib/quantize/evaluate-model.js';
import { mirroredDetections, mirrorEstimator } from '../lib/quantize/held-out-estimate.js';
import { mirrorBox, mirrorImage, mirrorMask } from '../lib/quantize/mirror.js';
import { seededRandom } from '../lib/random.js';
import type { ImageResult, RgbImage } from '../lib/types.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-estimate-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** cv2.flip(a, 1) of a uint8 [h, w, c] array, through /usr/bin/python3. */
function cv2Flip(data: Uint8Array, height: number, width: number, channels: number): Uint8Array {
  const input = join(dir, 'in.raw');
  const output = join(dir, 'out.raw');
  writeFileSync(input, data);
  const code = `import cv2, numpy as np\na = np.fromfile(${JSON.stringify(input)}, np.uint8).reshape(${height}, ${width}, ${channels})\nnp.ascontiguousarray(cv2.flip(a, 1)).tofile(${JSON.stringify(output)})`;
  const r = spawnSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  return new Uint8Array(readFileSync(output));
}

describe('mirroring', () => {
  it('mirrors an image exactly as OpenCV flips it (flipCode 1)', async () => {
    const image = await decodeImage(IMAGES.zidane());
    const mirrored = mirrorImage(image);
    expect([mirrored.width, mirrored.height]).toEqual([image.width, image.height]);
    expect(Buffer.compare(Buffer.from(mirrored.data), Buffer.from(cv2Flip(image.data, image.height, image.width, 3)))).toBe(0);
  });

  it('mirrors a mask as OpenCV flips it, and a box by hand', () => {
    const random = seededRandom(7);
    const [width, height] = [37, 23];
    const data = Uint8Array.from({ length: width * height }, () => (random() < 0.4 ? 1 : 0));
    const mirrored = mirrorMask({ width, height, data });
    expect(Buffer.compare(Buffer.from(mirrored.data), Buffer.from(cv2Flip(data, height, width, 1)))).toBe(0);
    // pixel columns 10..109 of a 640-wide image become columns 530..629
    expect(mirrorBox([10, 20, 110, 220], 640)).toEqual([530, 20, 630, 220]);
    expect(mirrorBox([0, 0, 640, 480], 640)).toEqual([0, 0, 640, 480]);
  });

  it('fp32 on the mirrored image, mirrored back, finds the bus where it is', async () => {
    const model = await loadModel(MODELS.det640(), { backend: 'cpu' });
    try {
      const image = await decodeImage(IMAGES.bus());
      const [direct] = await model.detectDecoded([image], { conf: 0.25 });
      const [back] = await mirroredDetections(model, [image]);
      const bus = (r: ImageResult) => r.detections.find((d) => d.label === 'bus')!.box;
      const [a, b] = [bus(direct!), bus(back!)];
      const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
      const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
      const iou = (iw * ih) / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - iw * ih);
      expect(iou).toBeGreaterThan(0.9);
      expect(iou).toBeLessThan(1); // its own localisation error: not the fp32 output itself
    } finally {
      await model.dispose();
    }
  });
});

describe('AP over bootstrap resamples', () => {
  /** a small random dataset: 4 images, 3 categories, boxes and detections near them */
  function dataset(): { gt: CocoGroundTruth; dets: CocoDetection[] } {
    const random = seededRandom(3);
    const annotations: CocoAnnotation[] = [];
    const dets: CocoDetection[] = [];
    for (let image = 1; image <= 4; image++) {
      for (let k = 0; k < 6; k++) {
        const [x, y, w, h] = [random() * 200, random() * 200, 20 + random() * 80, 20 + random() * 80];
        const category = 1 + Math.floor(random() * 3);
        annotations.push({ id: annotations.length + 1, image_id: image, category_id: category, bbox: [x, y, w, h], area: w * h, iscrowd: 0 });
        if (random() < 0.8) dets.push({ image_id: image, category_id: category, score: random(), bbox: [x + 10 * (random() - 0.5), y + 10 * (random() - 0.5), w * (0.85 + 0.3 * random()), h] });
        if (random() < 0.3) dets.push({ image_id: image, category_id: 1 + Math.floor(random() * 3), score: random() * 0.5, bbox: [random() * 200, random() * 200, 40, 40] });
      }
    }
    const images = [1, 2, 3, 4].map((id) => ({ id, width: 320, height: 320 }));
    return { gt: { images, annotations, categories: [1, 2, 3].map((id) => ({ id, name: String(id) })) }, dets };
  }

  it('every image once equals evaluateCoco; a resample equals evaluateCoco on the images duplicated', () => {
    const { gt, dets } = dataset();
    const per = evaluateCocoImages(gt, dets, 'bbox');
    const whole = evaluateCoco(gt, dets, 'bbox').stats;
    expect(per.ap()).toEqual({ map: whole[0], map50: whole[1] });
    const sample = [2, 0, 0, 3]; // image ids 3, 1, 1, 4
    // the reference: a dataset with those images as distinct copies
    const copies: CocoGroundTruth = { images: sample.map((_, j) => ({ id: j + 1, width: 320, height: 320 })), annotations: [], categories: gt.categories };
    const copiedDets: CocoDetection[] = [];
    sample.forEach((i, j) => {
      const id = per.imageIds[i]!;
      for (const a of gt.annotations.filter((a) => a.image_id === id)) copies.annotations.push({ ...a, id: copies.annotations.length + 1, image_id: j + 1 });
      for (const d of dets.filter((d) => d.image_id === id)) copiedDets.push({ ...d, image_id: j + 1 });
    });
    const reference = evaluateCoco(copies, copiedDets, 'bbox').stats;
    expect(per.ap(sample).map).toBeCloseTo(reference[0]!, 12);
    expect(per.ap(sample).map50).toBeCloseTo(reference[1]!, 12);
    expect(per.ap(sample).map).not.toBeCloseTo(whole[0]!, 3);
  });
});

/** The model with one conv's bias shifted: a damaged model whose drop is real and large. */
function damagedModel(path: string, weight: string, shift: number): string {
  const model = loadOnnxFile(path);
  const init = model.graph!.initializer;
  const k = init.findIndex((t) => t.name === weight);
  if (k < 0) throw new Error(`no initializer ${weight}`);
  const values = tensorToFloat32(init[k]!).map((v) => v + shift);
  init[k] = makeTensor(weight, 'float32', init[k]!.dims.map(Number), values);
  const out = join(dir, `damaged-${basename(path)}`);
  writeFileSync(out, writeOnnx(model));
  return out;
}

const VAL = { conf: 0.001, iou: 0.7, maxDet: 300, multiLabel: true, dropEmptyMasks: false };

async function predict(path: string, images: RgbImage[], masks: boolean): Promise<{ val: ImageResult[]; mirrored: ImageResult[]; nc: number }> {
  const model: Model = await loadModel(path, { backend: 'cpu' });
  try {
    const nc = model.info.layout.kind === 'raw' ? model.info.layout.nc : 80;
    return { val: await model.detectDecoded(images, { ...VAL, masks }), mirrored: await mirroredDetections(model, images, 0.25, masks), nc };
  } finally {
    await model.dispose();
  }
}

describe.each([
  // a backbone bias: boxes and classes suffer
  { name: 'yolov8n 640 (box)', model: MODELS.det640, masks: false, bias: 'model.6.cv2.conv.bias', shift: 0.6 },
  // the mask prototypes' last bias: only the masks suffer
  { name: 'yolov8n-seg 320 (box and mask)', model: MODELS.seg320, masks: true, bias: 'model.22.proto.cv3.conv.bias', shift: 1 },
])('the mirror estimator on $name', ({ model, masks, bias, shift }) => {
  let images: RgbImage[];
  let ids: number[];
  let fp32: Awaited<ReturnType<typeof predict>>;
  let damaged: ImageResult[];
  let labelledDrop: number[];

  beforeAll(async () => {
    const data = await loadEvaluationData(fixture('coco128', 'annotations', 'instances_train2017.json'));
    const files = readdirSync(fixture('coco128', 'images', 'train2017')).sort().slice(0, 8);
    const byName = new Map([...data.imagePaths].map(([id, p]) => [basename(p), id]));
    ids = files.map((f) => byName.get(f)!);
    images = await Promise.all(files.map((f) => decodeImage(fixture('coco128', 'images', 'train2017', f))));
    fp32 = await predict(model(), images, masks);
    const bad = await loadModel(damagedModel(model(), bias, shift), { backend: 'cpu' });
    try {
      damaged = await bad.detectDecoded(images, { ...VAL, masks });
    } finally {
      await bad.dispose();
    }
    const mapOf = (results: ImageResult[]) => {
      const dets = results.flatMap((r, i) => toCocoDetections(r, ids[i]!, data.classToCategory, masks));
      return (masks ? (['bbox', 'segm'] as const) : (['bbox'] as const)).map((t) => evaluateCoco(data.gt, dets, t, { imageIds: ids }).stats[0]!);
    };
    const [a, b] = [mapOf(fp32.val), mapOf(damaged)];
    labelledDrop = a.map((v, k) => 100 * (v - b[k]!));
  });

  it('fp32 against itself: no drop; its AP on the pseudo labels is high but not 100 (they are not its own output)', () => {
    const estimator = mirrorEstimator(fp32.val, fp32.mirrored, fp32.nc, { masks });
    const e = estimator.estimate(fp32.val);
    expect(Math.abs(e.box.drop)).toBeLessThanOrEqual(Math.max(1e-9, 2 * e.box.noise));
    expect(e.box.fp32Ap).toBeGreaterThan(50);
    expect(e.box.fp32Ap).toBeLessThan(99);
    expect(e.pseudoObjects).toBeGreaterThan(10);
    if (masks) {
      expect(Math.abs(e.mask!.drop)).toBeLessThanOrEqual(Math.max(1e-9, 2 * e.mask!.noise));
      expect(e.mask!.fp32Ap).toBeLessThan(99);
    } else expect(e.mask).toBeUndefined();
  });

  it('a damaged model: a large labelled drop, and a large estimate well above its noise', () => {
    const e = mirrorEstimator(fp32.val, fp32.mirrored, fp32.nc, { masks }).estimate(damaged);
    const part = masks ? e.mask! : e.box;
    const labelled = masks ? labelledDrop[1]! : labelledDrop[0]!;
    expect(labelled).toBeGreaterThan(5);
    expect(part.drop).toBeGreaterThan(5);
    expect(part.drop).toBeGreaterThan(2 * part.noise);
    expect(part.noise).toBeGreaterThan(0);
    // the headline is the worse part
    expect(e.drop).toBe(Math.max(e.box.drop, e.mask?.drop ?? -Infinity));
  });
});
