import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, YoloeTrtError, type Model } from '../lib/index.js';
import { IMAGES, MODELS } from './fixtures.js';

describe('YOLOv8n detect 640 on the CPU (acceptance)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MODELS.det640(), { backend: 'cpu', threads: 2 });
  });
  afterAll(async () => model?.dispose());

  it('reads the model description from its Ultralytics metadata', () => {
    const { info } = model;
    expect(info.format).toBe('onnx');
    expect(info.task).toBe('detect');
    expect(info.imgsz).toEqual([640, 640]);
    expect(info.stride).toBe(32);
    expect(info.names).toHaveLength(80);
    expect(info.names[0]).toBe('person');
    expect(info.names[5]).toBe('bus');
    expect(info.layout).toMatchObject({ kind: 'raw', nc: 80, nm: 0, anchors: 8400, transposed: false });
    expect(info.inputs[0]).toMatchObject({ name: 'images', dtype: 'float32', dims: [1, 3, 640, 640] });
    expect(info.dynamicShape).toBe(false);
  });

  it('finds 4 people and a bus on bus.jpg with Ultralytics scores', async () => {
    const result = await model.detect(IMAGES.bus());
    expect(result.width).toBe(810);
    expect(result.height).toBe(1080);
    const people = result.detections.filter((d) => d.label === 'person').map((d) => d.score);
    const buses = result.detections.filter((d) => d.label === 'bus').map((d) => d.score);
    expect(result.detections).toHaveLength(5);
    expect(people).toHaveLength(4);
    [0.890, 0.884, 0.880, 0.432].forEach((s, i) => expect(Math.abs(people[i]! - s)).toBeLessThan(0.01));
    expect(buses).toHaveLength(1);
    expect(Math.abs(buses[0]! - 0.842)).toBeLessThan(0.01);
    for (const d of result.detections) {
      const [x1, y1, x2, y2] = d.box;
      expect(x1).toBeGreaterThanOrEqual(0);
      expect(y1).toBeGreaterThanOrEqual(0);
      expect(x2).toBeLessThanOrEqual(810);
      expect(y2).toBeLessThanOrEqual(1080);
      expect(x2).toBeGreaterThan(x1);
      expect(y2).toBeGreaterThan(y1);
    }
    // the bus spans most of the image width
    const bus = result.detections.find((d) => d.label === 'bus')!;
    expect(bus.box[2] - bus.box[0]).toBeGreaterThan(600);
  });

  it('finds 2 people and a tie on zidane.jpg, from an encoded buffer', async () => {
    const result = await model.detect(readFileSync(IMAGES.zidane()));
    const labels = result.detections.map((d) => d.label).sort();
    expect(labels).toEqual(['person', 'person', 'tie']);
    const scores = result.detections.map((d) => d.score);
    expect(Math.abs(scores[0]! - 0.800)).toBeLessThan(0.01);
    expect(Math.abs(scores[1]! - 0.794)).toBeLessThan(0.01);
    expect(Math.abs(result.detections.find((d) => d.label === 'tie')!.score - 0.373)).toBeLessThan(0.01);
  });

  it('gives the same result for an array of inputs as one by one, in order', async () => {
    const [bus, zidane] = await model.detect([IMAGES.bus(), IMAGES.zidane()]);
    expect(bus!.detections).toHaveLength(5);
    expect(bus!.detections).toEqual((await model.detect(IMAGES.bus())).detections);
    expect(zidane!.detections).toEqual((await model.detect(IMAGES.zidane())).detections);
  });

  it('applies conf, classes, maxDet and agnostic options', async () => {
    const onlyBus = await model.detect(IMAGES.bus(), { classes: [5] });
    expect(onlyBus.detections.map((d) => d.label)).toEqual(['bus']);
    const strict = await model.detect(IMAGES.bus(), { conf: 0.5 });
    expect(strict.detections).toHaveLength(4);
    const one = await model.detect(IMAGES.bus(), { maxDet: 1 });
    expect(one.detections).toHaveLength(1);
    expect(one.detections[0]!.score).toBeCloseTo(0.89, 1);
    const loose = await model.detect(IMAGES.bus(), { conf: 0.05 });
    expect(loose.detections.length).toBeGreaterThan(5);
    const agnostic = await model.detect(IMAGES.bus(), { conf: 0.05, agnostic: true });
    expect(agnostic.detections.length).toBeLessThanOrEqual(loose.detections.length);
  });

  it('serves concurrent callers', async () => {
    const images = [IMAGES.bus(), IMAGES.zidane(), IMAGES.bus(), IMAGES.zidane()];
    const alone = [];
    for (const p of images) alone.push((await model.detect(p)).detections);
    const together = await Promise.all(images.map((p) => model.detect(p)));
    // each caller gets its own image's detections, identical to a call made alone
    expect(together.map((r) => r.detections)).toEqual(alone);
    expect(alone[0]).not.toEqual(alone[1]);
  });

  it('rejects bad options with typed errors', async () => {
    await expect(model.detect(IMAGES.bus(), { conf: 2 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { iou: -1 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { maxDet: 0 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { masks: true })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { auto: true })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(model.detect(IMAGES.bus(), { imgsz: 320 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });

  it('rejects bad images with typed errors', async () => {
    await expect(model.detect('/no/such/image.jpg')).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    await expect(model.detect(Buffer.from('definitely not an image'))).rejects.toMatchObject({ code: 'ERR_IMAGE_DECODE' });
    await expect(model.detect({ data: new Uint8Array(10), width: 2, height: 2, channels: 5 })).rejects.toMatchObject({ code: 'ERR_IMAGE_CHANNELS' });
  });
});

describe('YOLOv8n-seg 320 on the CPU (acceptance)', () => {
  let model: Model;
  beforeAll(async () => {
    model = await loadModel(MODELS.seg320(), { threads: 2 });
  });
  afterAll(async () => model?.dispose());

  it('is recognised as a segmentation model', () => {
    expect(model.info.task).toBe('segment');
    expect(model.info.layout).toMatchObject({ kind: 'raw', nc: 80, nm: 32, anchors: 2100, protos: 'output1' });
    expect(model.info.imgsz).toEqual([320, 320]);
  });

  it('finds the bus and the people on bus.jpg with masks that cover them', async () => {
    const result = await model.detect(IMAGES.bus());
    const labels = result.detections.map((d) => d.label);
    expect(labels).toContain('bus');
    expect(labels.filter((l) => l === 'person').length).toBeGreaterThanOrEqual(3);
    for (const d of result.detections) {
      const m = d.mask!;
      expect(m.width).toBe(810);
      expect(m.height).toBe(1080);
      const [x1, y1, x2, y2] = d.box;
      let inside = 0;
      let outside = 0;
      for (let y = 0; y < m.height; y++) {
        for (let x = 0; x < m.width; x++) {
          if (!m.data[y * m.width + x]) continue;
          if (x >= x1 - 4 && x <= x2 + 4 && y >= y1 - 4 && y <= y2 + 4) inside++;
          else outside++;
        }
      }
      const boxArea = (x2 - x1) * (y2 - y1);
      expect(outside).toBe(0);
      // a mask covers a good part of its box (people ~40-70%, the bus more)
      expect(inside / boxArea).toBeGreaterThan(d.label === 'bus' ? 0.5 : 0.25);
    }
  });

  it('can skip masks and can compute retina masks', async () => {
    const plain = await model.detect(IMAGES.bus(), { masks: false });
    expect(plain.detections.every((d) => d.mask === undefined)).toBe(true);
    const retina = await model.detect(IMAGES.bus(), { retina: true });
    expect(retina.detections.length).toBe(plain.detections.length);
    expect(retina.detections.every((d) => d.mask && d.mask.width === 810)).toBe(true);
  });
});

describe('loadModel errors', () => {
  it('missing model file', async () => {
    await expect(loadModel('/no/such/model.onnx')).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
  });
  it('a file that is no ONNX model', async () => {
    await expect(loadModel(IMAGES.bus())).rejects.toBeInstanceOf(YoloeTrtError);
    await expect(loadModel(IMAGES.bus())).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });
  it('bad options', async () => {
    await expect(loadModel(MODELS.det640(), { backend: 'gpu' as never })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(loadModel(MODELS.det640(), { names: ['a', 'b'] })).rejects.toMatchObject({ code: 'ERR_MODEL_LAYOUT' });
    await expect(loadModel(MODELS.det640(), { backend: 'tensorrt' })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});
