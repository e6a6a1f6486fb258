/**
 * Pictures: `eval --plots` PNGs (decoded: size, not blank) and the numbers behind them against
 * the printed table and the annotation file; Ultralytics' confusion-matrix rules on a hand
 * example; the quantize --report HTML page.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../lib/image/decode.js';
import { preprocess } from '../lib/image/index.js';
import { loadOnnxFile } from '../lib/onnx/index.js';
import { planQdq } from '../lib/quantize/placement.js';
import type { QuantizeResult } from '../lib/quantize/qdq.js';
import { collectStatistics, computeRanges } from '../lib/quantize/statistics.js';
import { writeTrtCache } from '../lib/quantize/trt-cache.js';
import { writeQuantizationHtml } from '../lib/report/quantize-html.js';
import { evalCommand } from '../lib/cli/eval.js';
import { quantizeCommand } from '../lib/cli/quantize.js';
import { confusionMatrix } from '../lib/report/confusion-matrix.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';

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
        { id: 3, image_id: 1, category_id: 2, bbox: [80, 0, 10, 10], area: 100, iscrowd: 0 },
        { id: 4, image_id: 1, category_id: 1, bbox: [0, 80, 10, 10], area: 100, iscrowd: 1 }, // crowd: ignored
        { id: 5, image_id: 1, category_id: 2, bbox: [1, 0, 10, 10], area: 100, iscrowd: 0 },
      ],
    };
    const dets = [
      { image_id: 1, category_id: 1, score: 0.9, bbox: [0, 0, 10, 10] }, // gt 1 (IoU 1), also gt 5 (0.82): a detection matches once
      { image_id: 1, category_id: 1, score: 0.8, bbox: [0, 1, 10, 10] }, // best on gt 1 (0.82), which took d1: background
      { image_id: 1, category_id: 1, score: 0.7, bbox: [51, 51, 10, 10] }, // gt 2 (0.68): b predicted as a
      { image_id: 1, category_id: 2, score: 0.6, bbox: [30, 30, 5, 5] }, // nothing there: background
      { image_id: 1, category_id: 2, score: 0.2, bbox: [80, 0, 10, 10] }, // below conf: not counted
      { image_id: 1, category_id: 2, score: 0.5, bbox: [85, 0, 10, 10] }, // gt 3 at IoU 0.33 only: background
    ];
    const { matrix } = confusionMatrix(gt, dets, [1, 2]);
    // rows predicted (a, b, background), columns true (a, b, background); gts 3 and 5 unmatched
    // (the same matrix as Ultralytics' process_batch, numpy transcription, on these boxes)
    expect(matrix).toEqual([
      [1, 1, 1],
      [0, 0, 2],
      [0, 2, 0],
    ]);
  });

  it('an image with ground truth but no match does not count its detections; one without ground truth does', () => {
    const gt = {
      images: [{ id: 1, width: 100, height: 100 }, { id: 2, width: 100, height: 100 }],
      categories: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 0 }],
    };
    const far = { category_id: 2, score: 0.9, bbox: [30, 30, 5, 5] };
    // expected values: Ultralytics' process_batch (numpy transcription) on the same boxes
    expect(confusionMatrix(gt, [{ image_id: 1, ...far }], [1, 2], { imageIds: [1] }).matrix).toEqual([[0, 0, 0], [0, 0, 0], [1, 0, 0]]);
    expect(confusionMatrix(gt, [{ image_id: 2, ...far }], [1, 2], { imageIds: [2] }).matrix).toEqual([[0, 0, 0], [0, 0, 1], [0, 0, 0]]);
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

describe('quantize --report', () => {
  // a TensorRT cache with every amax 4x the calibrated one: a quick int8 model with visible score compression
  const cache = join(dir, 'coarse.cache');
  const report = join(dir, 'qreport');
  let json: any;
  let html: string;
  let data: any;

  beforeAll(async () => {
    const model = loadOnnxFile(MODELS.seg320());
    const plan = planQdq(model, 'tensorrt');
    const tensors = [...plan.activations.keys()].filter((t) => !plan.shareParams.has(t));
    const images = fixture('coco128', 'images', 'train2017');
    const files = readdirSync(images).sort().slice(0, 2).map((f) => join(images, f));
    const batches = await Promise.all(files.map(async (f) => preprocess([await decodeImage(f)], 320, 320, 'float32').tensor));
    const ranges = computeRanges(await collectStatistics(model, tensors, batches, { histograms: 'abs' }), 'percentile', 'symmetric');
    writeFileSync(cache, writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'EntropyCalibration2', scales: new Map([...ranges].map(([t, r]) => [t, 4 * (r as { amax: number }).amax])) }));
    const out = sink();
    await quantizeCommand([
      MODELS.seg320(), '--calib', images, '--trt-cache', cache, '--out', join(dir, 'q.onnx'), '--eval', fixture('coco128', 'annotations', 'instances_train2017.json'),
      '--limit', '4', '--latency-runs', '2', '--report', report, '--json',
    ], out.stream);
    json = JSON.parse(out.text());
    html = readFileSync(join(report, 'report.html'), 'utf8');
    data = JSON.parse(html.match(/<script type="application\/json" id="report-data">(.*?)<\/script>/s)![1]!);
  });

  it('one HTML page with FP32 vs INT8 PR curves and the score-compression histogram; its numbers are the printed report\'s', () => {
    expect(json.html).toBe(join(report, 'report.html'));
    expect(html.match(/<svg /g)).toHaveLength(3); // box PR, mask PR, histogram (no --max-drop: no sensitivity chart)
    expect(html).toContain('No per-layer sensitivity');
    expect(data.map.boxDrop).toBeCloseTo(json.report.map.boxDrop, 10);
    expect(data.map.maskDrop).toBeCloseTo(json.report.map.maskDrop, 10);
    for (const k of ['fp32', 'int8']) expect(data.map.box[k].precision).toHaveLength(101);
    const above = (h: number[]) => h.slice(10).reduce((s, x) => s + x, 0);
    expect(above(data.scoreHistogram.fp32)).toBe(json.report.scoreCompression.fp32AboveHalf);
    expect(above(data.scoreHistogram.int8)).toBe(json.report.scoreCompression.int8AboveHalf);
    expect(json.report.scoreCompression.int8AboveHalf).toBeLessThan(json.report.scoreCompression.fp32AboveHalf); // compressed
  });

  it('per-layer sensitivity rows carry gain, noise, and the size and latency a float layer costs', async () => {
    const { quantizationReport } = await import('../lib/quantize/report.js');
    const r = await quantizationReport({ fp32: MODELS.seg320(), int8: join(dir, 'q.onnx'), images: [IMAGES.bus()], latencyRuns: 1 });
    const sensitivities = [
      { name: '/model.22/cv2.0/cv2.0.0/conv/Conv', gain: 0.25, noise: 0.05, significant: true, floatBytes: 110592 },
      { name: '/model.1/conv/Conv', gain: 0.01, noise: 0.02, significant: false, floatBytes: 13824 },
    ];
    const result = {
      floatLayers: ['/model.22/cv2.0/cv2.0.0/conv/Conv'],
      mixedPrecision: { measure: 'mirror-estimate', sensitivities, steps: [{ floatLayers: 1, drop: 0.8, dropNoise: 0.3, agreementDrop: 2.9, error: 0.75, errorNoise: 0.05, predictedDrop: 0.9, predictedNoise: 0.36 }] },
      layerCosts: { allInt8Ms: 10, mixedMs: 10.5, layers: [{ name: '/model.22/cv2.0/cv2.0.0/conv/Conv', ms: 0.5, bytes: 110592 }] },
    } as unknown as QuantizeResult;
    const page = readFileSync(writeQuantizationHtml(join(dir, 'sens'), r, result), 'utf8');
    expect(page.match(/<svg /g)).toHaveLength(2); // sensitivity bars, histogram (no --eval: no PR curves)
    expect(page).toContain('<td>/model.22/cv2.0/cv2.0.0/conv/Conv</td><td>0.2500</td><td>0.0500</td><td>yes</td><td>yes</td><td>110.6</td><td>0.50</td>');
    expect(page).toContain('<td>/model.1/conv/Conv</td><td>0.0100</td><td>0.0200</td><td>no</td><td></td><td>13.8</td><td>-</td>');
    // the step's drop is the label-free estimate with its noise, then the search's prediction; the agreement proxy sits beside them
    expect(page).toContain('<th>held-out drop (points, label-free estimate, +- bootstrap s.e.)</th><th>predicted from the head error (label-free search)</th>');
    expect(page).toContain('<td>1</td><td>0.80 ± 0.30</td><td>0.90 ± 0.36</td><td>2.90</td><td>0.750</td><td>0.050</td>');
  });
});
