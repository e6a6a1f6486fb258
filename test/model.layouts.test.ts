import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../lib/index.js';
import { E2E_ROWS, PROMPT_FREE_HOT, syntheticTestModelSpecs } from './synthetic/test-models.js';
import { endToEndHeadSpec, makeSyntheticHeadModel, rawHeadDefaultBox } from './synthetic/generate.js';
import { letterboxGeometry } from '../lib/image/letterbox.js';

/**
 * The YOLOE layouts with no real checkpoint here, as generated graphs run by ONNX Runtime and
 * decoded through loadModel().detect(): end-to-end (YOLO26 / YOLOE-26), `nms=True` exports, and
 * the 4,585-class prompt-free head.
 */
const dir = mkdtempSync(join(tmpdir(), 'yoloe-layouts-'));
const paths: Record<string, string> = {};
beforeAll(() => {
  for (const [name, spec] of Object.entries(syntheticTestModelSpecs())) {
    paths[name] = join(dir, `${name}.onnx`);
    writeFileSync(paths[name], makeSyntheticHeadModel(spec));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 1280 x 720 grey image: letterboxed into 640 x 640 with ratio 0.5 and 140 px top pad.
const image = { data: new Uint8Array(1280 * 720 * 3).fill(90), width: 1280, height: 720, channels: 3 };
const g = letterboxGeometry(1280, 720, 640, 640);
const toOriginal = ([x1, y1, x2, y2]: number[]) => [
  Math.min(Math.max((x1! - g.left) / g.ratio, 0), 1280),
  Math.min(Math.max((y1! - g.top) / g.ratio, 0), 720),
  Math.min(Math.max((x2! - g.left) / g.ratio, 0), 1280),
  Math.min(Math.max((y2! - g.top) / g.ratio, 0), 720),
];

describe('end-to-end and nms=True layouts', () => {
  for (const name of ['yolo26-e2e-det-640', 'yoloe26-e2e-seg-640', 'yolo-nms-seg-640']) {
    it(`${name}: rows above conf, no NMS, boxes mapped back`, async () => {
      const model = await loadModel(paths[name]!, { threads: 1 });
      try {
        expect(model.info.layout.kind).toBe('end2end');
        const result = await model.detect(image);
        const expected = E2E_ROWS.filter((r) => r.score > 0.25);
        expect(result.detections.map((d) => d.classId)).toEqual(expected.map((r) => r.classId));
        result.detections.forEach((d, i) => {
          expect(d.score).toBeCloseTo(expected[i]!.score, 6);
          toOriginal(expected[i]!.box).forEach((v, k) => expect(d.box[k]).toBeCloseTo(v, 3));
          if (name.includes('seg')) {
            expect(d.mask).toBeDefined();
            expect(d.mask!.width).toBe(1280);
          } else expect(d.mask).toBeUndefined();
        });
        const strict = await model.detect(image, { conf: 0.6, classes: [0, 27] });
        expect(strict.detections.map((d) => d.classId)).toEqual([0]);
        const capped = await model.detect(image, { maxDet: 2 });
        expect(capped.detections).toHaveLength(2);
      } finally {
        await model.dispose();
      }
    });
  }
});

describe('prompt-free YOLOE head with 4,585 classes', () => {
  it('decodes exactly the planted detections', async () => {
    const model = await loadModel(paths['yoloe-pf-seg-4585-640']!, { threads: 1 });
    try {
      expect(model.info.layout).toMatchObject({ kind: 'raw', nc: 4585, nm: 32, anchors: 8400 });
      expect(model.info.names).toHaveLength(4585);
      const result = await model.detect(image, { masks: false });
      // single label: anchor 7777 reports its best class (1234, 0.55); 0.45 is not its best
      const expected = PROMPT_FREE_HOT.filter((h) => h.score > 0.25 && !(h.anchor === 7777 && h.classId === 1235)).sort((a, b) => b.score - a.score);
      expect(result.detections.map((d) => [d.classId, Number(d.score.toFixed(4))])).toEqual(expected.map((h) => [h.classId, h.score]));
      result.detections.forEach((d, i) => {
        const [cx, cy, w, h] = rawHeadDefaultBox(expected[i]!.anchor);
        toOriginal([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2]).forEach((v, k) => expect(d.box[k]).toBeCloseTo(v, 3));
      });
      const multi = await model.detect(image, { masks: false, multiLabel: true });
      expect(multi.detections.map((d) => d.classId).sort((a, b) => a - b)).toEqual([0, 42, 1234, 1235, 4584]);
    } finally {
      await model.dispose();
    }
  });
});

describe('static batch of 2 (an nms=True export made with batch=2)', () => {
  it('runs two images in one batch, and pads a single image', async () => {
    const second = E2E_ROWS.slice(0, 2).map((r) => ({ ...r, classId: r.classId + 1 }));
    const path = join(dir, 'nms-batch2.onnx');
    writeFileSync(path, makeSyntheticHeadModel(endToEndHeadSpec({ rows: [E2E_ROWS, second], exportKind: 'nms' })));
    const model = await loadModel(path, { threads: 1 });
    try {
      expect(model.info.batch).toBe(2);
      const [a, b] = await model.detect([image, image]);
      expect(a!.detections.map((d) => d.classId)).toEqual([0, 5, 27]);
      expect(b!.detections.map((d) => d.classId)).toEqual([1, 6]);
      const single = await model.detect(image);
      expect(single.detections.map((d) => d.classId)).toEqual([0, 5, 27]);
      const three = await model.detect([image, image, image]);
      expect(three.map((r) => r.detections.length)).toEqual([3, 2, 3]);
    } finally {
      await model.dispose();
    }
  });
});

describe('empty masks', () => {
  it('detections whose mask is empty are dropped, as Ultralytics does, unless asked to keep them', async () => {
    const rows = [E2E_ROWS[0]!, { ...E2E_ROWS[1]!, coeffs: new Array(32).fill(0) }]; // zero coefficients: every logit is 0, no pixel > 0
    const path = join(dir, 'e2e-empty-mask.onnx');
    writeFileSync(path, makeSyntheticHeadModel(endToEndHeadSpec({ rows, nm: 32 })));
    const model = await loadModel(path, { threads: 1 });
    try {
      const dropped = await model.detect(image);
      expect(dropped.detections.map((d) => d.classId)).toEqual([0]);
      const kept = await model.detect(image, { dropEmptyMasks: false });
      expect(kept.detections.map((d) => d.classId)).toEqual([0, 5]);
      expect(kept.detections[1]!.mask!.data.some((v) => v !== 0)).toBe(false);
      const noMasks = await model.detect(image, { masks: false });
      expect(noMasks.detections).toHaveLength(2);
    } finally {
      await model.dispose();
    }
  });
});
