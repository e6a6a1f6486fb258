/**
 * Pictures: `eval --plots` PNGs (decoded: size, not blank) and the numbers behind them against
 * the printed table and the annotation file; Ultralytics' confusion-matrix rules on a hand
 * example; the quantize --report HTML page.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../lib/cli/eval.js';
import { confusionMatrix } from '../lib/report/confusion-matrix.js';
import { MODELS, fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-plots-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { stream, text: () => text };
}

/** Decodes a PNG: its size, and the spread of its pixels (0 for a blank picture). */
async function decodePng(path: string) {
  const image = sharp(readFileSync(path));
  const meta = await image.metadata();
  const stats = await image.stats();
  return { format: meta.format, width: meta.width, height: meta.height, spread: Math.max(...stats.channels.slice(0, 3).map((c) => c.stdev)), darkest: Math.min(...stats.channels.slice(0, 3).map((c) => c.min)) };
}

describe('confusionMatrix (Ultralytics ConfusionMatrix.process_batch rules)', () => {
  it('matches class-agnostically at IoU > 0.45, each box once, conf > 0.25 only', () => {
    const gt = {
      images: [{ id: 1, width: 100, height: 100 }],
      categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
      annotations: [
        { id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 },
        { id: 2, image_id: 1, category_id: 2, bbox: [50, 50, 10, 10], area: 100, iscrowd: 0 },
        { id: 3, image_id: 1, category_id: 2, bbox: [80, 0, 10, 10], area: 100, iscrowd: 0 }, // missed
        { id: 4, image_id: 1, category_id: 1, bbox: [0, 80, 10, 10], area: 100, iscrowd: 1 }, // crowd: ignored
      ],
    };
    const dets = [
      { image_id: 1, category_id: 1, score: 0.9, bbox: [0, 0, 10, 10] }, // correct a
      { image_id: 1, category_id: 1, score: 0.8, bbox: [1, 0, 10, 10] }, // duplicate of the same gt: background
      { image_id: 1, category_id: 1, score: 0.7, bbox: [51, 51, 10, 10] }, // b predicted as a
      { image_id: 1, category_id: 2, score: 0.6, bbox: [30, 30, 5, 5] }, // nothing there: background
      { image_id: 1, category_id: 2, score: 0.2, bbox: [80, 0, 10, 10] }, // below conf: not counted
    ];
    const { matrix } = confusionMatrix(gt, dets, [1, 2]);
    // rows predicted (a, b, background), columns true (a, b, background)
    expect(matrix).toEqual([
      [1, 1, 1],
      [0, 0, 1],
      [0, 1, 0],
    ]);
  });
});

describe('eval --plots', () => {
  const plots = join(dir, 'plots');
  const coco = () => fixture('coco128', 'annotations', 'instances_train2017.json');

  it('writes box and mask PR curves and the confusion matrix as PNG; their numbers match the printed table', async () => {
    const out = sink();
    await evalCommand(['--model', MODELS.seg320(), '--data', coco(), '--limit', '6', '--plots', plots], out.stream);
    const text = out.text();
    for (const [name, w, h] of [['box_pr_curve.png', 640, 480], ['mask_pr_curve.png', 640, 480], ['confusion_matrix.png', 720, 720]] as const) {
      const png = await decodePng(join(plots, name));
      expect(png, name).toMatchObject({ format: 'png', width: w, height: h });
      expect(png.spread, name).toBeGreaterThan(5); // not blank
      expect(png.darkest, name).toBeLessThan(100); // something drawn in dark ink
    }
    const data = JSON.parse(readFileSync(join(plots, 'plots.json'), 'utf8'));
    // the mean of the drawn curve is AP50 of pycocotools' printed table (box first, then mask)
    const ap50 = [...text.matchAll(/Average Precision {2}\(AP\) @\[ IoU=0\.50 {6}\| area= {3}all \| maxDets=100 \] = ([\d.-]+)/g)].map((m) => Number(m[1]));
    expect(ap50).toHaveLength(2);
    expect(data.curves.box.ap50).toBeCloseTo(ap50[0]!, 3);
    expect(data.curves.mask.ap50).toBeCloseTo(ap50[1]!, 3);
    expect(data.recall).toHaveLength(101);
    // precision never rises with recall (pycocotools makes it monotone)
    for (let r = 1; r < 101; r++) expect(data.curves.box.precision[r]).toBeLessThanOrEqual(data.curves.box.precision[r - 1] + 1e-12);
    // confusion matrix columns: every non-crowd ground truth of the 6 images, counted once
    const json = JSON.parse(readFileSync(coco(), 'utf8'));
    const ids = new Set(json.images.slice(0, 6).map((i: { id: number }) => i.id));
    const cats = json.categories.map((c: { id: number }) => c.id).sort((a: number, b: number) => a - b);
    const perClass = new Array(81).fill(0);
    for (const a of json.annotations) if (ids.has(a.image_id) && !a.iscrowd) perClass[cats.indexOf(a.category_id)]++;
    const m: number[][] = data.confusion.matrix;
    const columns = m[0]!.map((_, j) => m.reduce((s, row) => s + row[j]!, 0));
    expect(columns.slice(0, 80)).toEqual(perClass.slice(0, 80));
    expect(m[80]![80]).toBe(0);
    expect(text).toMatch(/plots: .*box_pr_curve\.png/);
  });
});
