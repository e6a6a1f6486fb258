// INT8 (cpu target) vs FP32 on coco128: calibrate on the first 32 images (sorted by name; 16 of
// them held out for mixed precision), evaluate on the other 96. Prints box / mask
// mAP50-95, latency ratio (target <= 0.60), file size ratio (target <= 0.30).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fixture, table } from './util.mjs';

import { pathToFileURL } from 'node:url';

const DIST = process.env.YOLOE_TRT_DIST ? pathToFileURL(join(process.env.YOLOE_TRT_DIST, '/')).href : new URL('../dist/', import.meta.url).href;
const CALIBRATION = 32;

async function load() {
  return import(new URL('quantize/index.js', DIST).href);
}

/** An Ultralytics data YAML over coco128's images with coco128-seg's polygon labels. */
function segYaml(dir, cocoJson) {
  const names = JSON.parse(readFileSync(cocoJson, 'utf8')).categories.sort((a, b) => a.id - b.id).map((c) => c.name);
  const path = join(dir, 'coco128-seg.yaml');
  writeFileSync(path, `path: ${fixture('coco128')}\nval: images/train2017\nnames:\n${names.map((n, i) => `  ${i}: ${n}`).join('\n')}\n`);
  return path;
}

async function benchOne(q, { name, model, data, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-q-'));
  try {
    const images = fixture('coco128', 'images', 'train2017');
    const files = readdirSync(images).filter((f) => f.endsWith('.jpg')).sort().map((f) => join(images, f));
    const calib = files.slice(0, CALIBRATION);
    const evalIds = files.slice(CALIBRATION).map((f) => Number(basename(f, '.jpg')));
    const output = join(dir, `${name}.int8.onnx`);
    const t0 = performance.now();
    const result = await q.quantize({
      onnx: model, output, target: 'cpu', maxDrop: 1.0, holdout: 16,
      calibration: { images: calib, count: calib.length }, labels: data, onProgress: log,
    });
    const quantizeS = (performance.now() - t0) / 1000;
    const report = await q.quantizationReport({
      fp32: model, int8: output, images: files.slice(CALIBRATION, CALIBRATION + 16),
      evaluation: { data, imageIds: evalIds }, latencyRuns: 30, onProgress: log,
    });
    console.log(`\n[${name}] ${q.formatQuantizationReport(report)}`);
    console.log(`[${name}] quantize ${quantizeS.toFixed(0)} s; float layers: ${result.floatLayers.join(', ') || 'none'}; mixed precision: ${JSON.stringify(result.mixedPrecision ? { measure: result.mixedPrecision.measure, fullDrop: result.mixedPrecision.fullDrop, finalDrop: result.mixedPrecision.finalDrop, met: result.mixedPrecision.met } : null)}`);
    if (result.layerCosts) console.log(`[${name}] layer costs ${JSON.stringify(result.layerCosts)}`);
    return { name, report, result };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function benchQuantize() {
  const q = await load();
  const log = process.env.BENCH_VERBOSE ? (m) => console.log(`  ${m}`) : () => {};
  const cocoJson = fixture('coco128', 'annotations', 'instances_train2017.json');
  const rows = [];
  const det = await benchOne(q, { name: 'yolov8n_640', model: fixture('models', 'yolov8n_640_fp32.onnx'), data: await q.loadEvaluationData(cocoJson), log });
  rows.push(det);
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-bench-seg-'));
  try {
    const segData = await q.loadEvaluationData(segYaml(dir, cocoJson), { labelsDir: fixture('coco128-seg', 'labels', 'train2017') });
    rows.push(await benchOne(q, { name: 'yolov8n-seg_320', model: fixture('models', 'yolov8n-seg_320_fp32.onnx'), data: segData, log }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const f = (x) => (x === undefined ? '-' : x.toFixed(4));
  table(
    `INT8 cpu target vs FP32 on coco128 (calibration: first ${CALIBRATION} images, 16 of them held out for mixed precision; evaluation: the other 96), --max-drop 1.0`,
    ['model', 'box mAP fp32', 'box mAP int8', 'mask mAP fp32', 'mask mAP int8', 'latency ratio (<=0.60)', 'vs fp32 with fast DFL', 'size ratio (<=0.30)', 'float layers'],
    rows.map(({ name, report: r, result }) => [
      name, f(r.map.fp32.box.map), f(r.map.int8.box.map), f(r.map.fp32.mask?.map), f(r.map.int8.mask?.map),
      r.latency.ratio.toFixed(3), r.latency.sameGraph ? r.latency.sameGraph.ratio.toFixed(3) : '-', r.sizeRatio.toFixed(3), String(result.floatLayers.length),
    ]),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await benchQuantize();
