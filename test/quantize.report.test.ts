/**
 * The accuracy side of quantization: the collapse check on a really broken INT8 model, the
 * FP32 vs INT8 report, mixed precision, TensorRT calibration cache import, and the CLIs.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCommand } from '../lib/cli/eval.js';
import { quantizeCommand } from '../lib/cli/quantize.js';
import { decodeImage } from '../lib/image/decode.js';
import { preprocess } from '../lib/image/index.js';
import { loadOnnxFile, writeOnnx } from '../lib/onnx/index.js';
import { applyQdq } from '../lib/quantize/qdq-write.js';
import { planQdq } from '../lib/quantize/placement.js';
import { quantize } from '../lib/quantize/qdq.js';
import { checkQuantizedModel, quantizationReport } from '../lib/quantize/report.js';
import { chooseFloatLayers } from '../lib/quantize/sensitivity.js';
import { collectStatistics, computeRanges } from '../lib/quantize/statistics.js';
import { asymmetricParams } from '../lib/quantize/qdq-write.js';
import { importTrtCache } from '../lib/quantize/trt-import.js';
import { amaxToHex, writeTrtCache } from '../lib/quantize/trt-cache.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-qr-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function calibrationImages(n: number): string[] {
  const images = fixture('coco128', 'images', 'train2017');
  return readdirSync(images).sort().slice(0, n).map((f) => join(images, f));
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({ write(chunk, _enc, cb) { text += String(chunk); cb(); } });
  return { stream, text: () => text };
}

describe('collapse check', () => {
  it('flags the broken QOperator model (every class score 0) as collapsed', async () => {
    const check = await checkQuantizedModel(MODELS.det640(), MODELS.broken(), [IMAGES.bus()]);
    expect(check.verdict).toBe('collapsed');
    expect(check.raw.int8MaxScore).toBe(0);
    expect(check.agreement.fp32Detections).toBe(5);
    expect(check.agreement.int8Detections).toBe(0);
    expect(check.reasons.join(' ')).toMatch(/collapsed/);
  });

  it('the quantize CLI fails with ERR_QUANTIZATION on it', async () => {
    const out = sink();
    await expect(quantizeCommand([MODELS.det640(), '--check', MODELS.broken(), '--calib', fixture('images'), '--latency-runs', '3', '--json'], out.stream)).rejects.toMatchObject({ code: 'ERR_QUANTIZATION' });
    expect(JSON.parse(out.text()).report.check.verdict).toBe('collapsed');
  });
});

describe('report and CLI on a quick cpu quantization', () => {
  const int8 = join(dir, 'cpu.onnx');
  let cliJson: any;

  beforeAll(async () => {
    const out = sink();
    await quantizeCommand([MODELS.det640(), '--calib', fixture('coco128', 'images', 'train2017'), '--count', '3', '--out', int8, '--target', 'cpu', '--latency-runs', '5', '--json'], out.stream);
    cliJson = JSON.parse(out.text());
  });

  it('writes the model and reports counts, float layers and a sane comparison', () => {
    expect(cliJson.quantize.output).toBe(int8);
    expect(cliJson.quantize.counts.weights).toBe(59); // 64 convs - DFL - 3 class convs - the stem
    expect(cliJson.quantize.floatByDefault).toHaveLength(5);
    const r = cliJson.report;
    expect(r.check.verdict).not.toBe('collapsed');
    expect(r.sizeRatio).toBeGreaterThan(0.2);
    expect(r.sizeRatio).toBeLessThan(0.3);
    expect(r.latency.fp32Ms).toBeGreaterThan(0);
    expect(r.latency.int8Ms).toBeGreaterThan(0);
    // the ratio is the median of per-round ratios: near, not equal to, the ratio of the medians
    expect(r.latency.ratio).toBeGreaterThan(0.5 * (r.latency.int8Ms / r.latency.fp32Ms));
    expect(r.latency.ratio).toBeLessThan(2 * (r.latency.int8Ms / r.latency.fp32Ms));
    // the int8 graph has the fast DFL, so the fp32 graph with it is measured too
    expect(r.latency.sameGraph.fp32Ms).toBeGreaterThan(0);
    expect(r.latency.sameGraph.ratio).toBeGreaterThan(0);
    expect(r.check.agreement.kept).toBeGreaterThan(0.5);
    expect(r.check.agreement.kept).toBeLessThanOrEqual(1);
    expect(r.check.agreement.meanScoreDiff).toBeLessThan(0.2);
    expect(r.scoreCompression.fp32AboveHalf).toBeGreaterThan(0);
    expect(r.scoreCompression.int8AboveHalf).toBeGreaterThan(0);
  });

  it('evaluates box mAP of both models on labelled images', async () => {
    const data = await (await import('../lib/quantize/evaluate-model.js')).loadEvaluationData(fixture('coco128', 'annotations', 'instances_train2017.json'));
    const report = await quantizationReport({ fp32: MODELS.det640(), int8, images: [IMAGES.bus()], evaluation: { data, limit: 3 }, latencyRuns: 3 });
    expect(report.map!.images).toBe(3);
    expect(report.map!.fp32.box.map).toBeGreaterThan(0.2);
    expect(report.map!.int8.box.map).toBeGreaterThan(0.1);
    expect(report.map!.boxDrop).toBeCloseTo(100 * (report.map!.fp32.box.map - report.map!.int8.box.map), 9);
    expect(report.map!.fp32.mask).toBeUndefined();
  });

  it('eval CLI prints the 12-number table and JSON', async () => {
    const args = ['--model', MODELS.det640(), '--data', fixture('coco128', 'annotations', 'instances_train2017.json'), '--limit', '2'];
    const text = sink();
    await evalCommand(args, text.stream);
    expect(text.text()).toMatch(/Average Precision {2}\(AP\) @\[ IoU=0\.50:0\.95 \| area= {3}all \| maxDets=100 \]/);
    expect(text.text().match(/Average (Precision|Recall)/g)).toHaveLength(12);
    const json = sink();
    await evalCommand([...args, '--json'], json.stream);
    const parsed = JSON.parse(json.text());
    expect(Object.keys(parsed.box)).toEqual(expect.arrayContaining(['map', 'map50', 'map75', 'stats']));
    expect(parsed.box.map).toBeGreaterThan(0);
    expect(parsed.box.map50).toBeGreaterThanOrEqual(parsed.box.map);
    await expect(evalCommand(['--model', MODELS.det640(), '--data', fixture('coco128', 'annotations', 'instances_train2017.json'), '--limit', '0'], sink().stream)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
  });
});

describe('mixed precision', () => {
  /** yolov8n 640 on the cpu target, ranges from 2 calibration images widened `widen` times; 2 held-out images */
  async function detSearchSetup(widen = 1) {
    const model = loadOnnxFile(MODELS.det640());
    const full = planQdq(model, 'cpu');
    const images = calibrationImages(4);
    const tensors = [...full.activations.keys()].filter((t) => !full.shareParams.has(t));
    const batches = await Promise.all(images.slice(0, 2).map(async (f) => preprocess([await decodeImage(f)], 640, 640, 'float32').tensor));
    const ranges = computeRanges(await collectStatistics(model, tensors, batches, { histograms: 'range' }), 'percentile', 'asymmetric');
    const params = new Map([...ranges].map(([t, r]) => {
      const { min, max } = r as { min: number; max: number };
      return [t, asymmetricParams({ min: widen * min, max: widen * max })];
    }));
    const build = (floatLayers: string[]) => writeOnnx(applyQdq(model, planQdq(model, 'cpu', { floatLayers }), params));
    const heldOut = await Promise.all(images.slice(2).map(async (f) => ({ image: await decodeImage(f) })));
    return { full, build, heldOut };
  }

  it('ranks layers by head output error (with noise) and keeps the most sensitive float when the budget is strict', async () => {
    const { full, build, heldOut } = await detSearchSetup();
    const candidates = full.quantizedLayers.filter((l) => /cv2\.0\.2|model\.1\/|model\.22\/cv3\.0\/cv3\.0\.0/.test(l.name));
    expect(candidates).toHaveLength(3);
    const result = await chooseFloatLayers({ fp32: MODELS.det640(), build, layers: candidates, heldOut, maxDrop: -1, maxFloatLayers: 2 });
    expect(result.measure).toBe('mirror-estimate');
    expect(Number.isFinite(result.fullNoise)).toBe(true);
    // the agreement proxy rides along as information
    expect(Number.isFinite(result.agreementDrop!.full)).toBe(true);
    // the best effort's drop is predicted from its head error (drop-fit.ts); all int8 keeps its estimate
    for (const s of result.steps) expect(s.predictedDrop).toBeCloseTo(result.slope! * s.error, 12);
    const chosen = result.steps.find((s) => s.floatLayers === result.floatLayers.length);
    if (chosen) {
      expect(result.finalDrop).toBeCloseTo(result.slope! * chosen.error, 12);
      expect(result.finalNoise).toBeCloseTo(result.fullNoise! * chosen.error, 12);
      expect(result.margin).toBe(false);
    } else expect(result.estimate!.drop).toBe(result.finalDrop);
    expect(result.met).toBe(false); // a negative budget can never be met
    expect(result.sensitivities).toHaveLength(3);
    expect(result.sensitivities[0]!.gain).toBeGreaterThanOrEqual(result.sensitivities[2]!.gain);
    for (const s of result.sensitivities) {
      expect(Number.isFinite(s.noise) && s.noise >= 0).toBe(true);
      expect(s.significant).toBe(s.gain > s.noise);
    }
    // only layers whose gain clears the noise are tried, as nested prefixes
    const significant = result.sensitivities.filter((s) => s.significant).map((s) => s.name);
    expect(result.steps.length).toBeLessThanOrEqual(Math.min(2, significant.length));
    expect(result.floatLayers).toEqual(significant.slice(0, result.floatLayers.length));
    for (const step of result.steps) expect(step.error).toBeLessThan(1.5);
    expect(result.signalImages).toBe(2); // no signal images given: the held-out ones
    expect(result.fullHeadError.cls).toBeGreaterThan(0);
    expect(result.fullHeadError.box).toBeGreaterThan(0);
    expect(result.floatLayers.length).toBeLessThanOrEqual(2);
    const generous = await chooseFloatLayers({ fp32: MODELS.det640(), build, layers: candidates, heldOut, maxDrop: 100 });
    expect(generous).toMatchObject({ met: true, floatLayers: [] });
  });

  it('without labels, a searched model\'s drop is the one predicted from its head error, not its own estimate', async () => {
    // ranges 8x too wide: int8 detections move enough for the label-free estimate to see them
    const { full, build, heldOut } = await detSearchSetup(8);
    const candidates = full.quantizedLayers.filter((l) => /model\.1\/|model\.2\/cv1\//.test(l.name));
    const result = await chooseFloatLayers({ fp32: MODELS.det640(), build, layers: candidates, heldOut, maxDrop: -1, maxFloatLayers: 2 });
    expect(result.fullDrop).toBeGreaterThan(0);
    expect(result.floatLayers.length).toBeGreaterThan(0);
    const chosen = result.steps.find((s) => s.floatLayers === result.floatLayers.length)!;
    expect(chosen.error).toBeLessThan(1);
    expect(result.finalDrop).toBeCloseTo(result.slope! * chosen.error, 12);
    expect(result.finalNoise).toBeCloseTo(result.fullNoise! * chosen.error, 12);
    // the model's own estimate rides along in `estimate`, and differs from the prediction here
    expect(Math.abs(result.estimate!.drop - result.finalDrop)).toBeGreaterThan(1e-6);
    expect(result).toMatchObject({ met: false, margin: false });
  });
});

describe('accuracy budget verdict', () => {
  // a TensorRT cache with every amax 4x the calibrated one: degraded (not collapsed), far over a 1-point budget
  const cache = join(dir, 'coarse.cache');
  const calib = fixture('coco128', 'images', 'train2017');
  const coco = () => fixture('coco128', 'annotations', 'instances_train2017.json');
  const args = (out: string, ...more: string[]) => [MODELS.seg320(), '--calib', calib, '--trt-cache', cache, '--out', out, '--eval', coco(), '--limit', '4', '--latency-runs', '2', ...more];

  beforeAll(async () => {
    const model = loadOnnxFile(MODELS.seg320());
    const plan = planQdq(model, 'tensorrt');
    const tensors = [...plan.activations.keys()].filter((t) => !plan.shareParams.has(t));
    const batches = await Promise.all(calibrationImages(2).map(async (f) => preprocess([await decodeImage(f)], 320, 320, 'float32').tensor));
    const ranges = computeRanges(await collectStatistics(model, tensors, batches, { histograms: 'abs' }), 'percentile', 'symmetric');
    const scales = new Map([...ranges].map(([t, r]) => [t, 4 * (r as { amax: number }).amax]));
    writeFileSync(cache, writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'EntropyCalibration2', scales }));
  });

  it('a missed --max-drop is the verdict: OVER BUDGET, non-zero exit, nothing written', async () => {
    const out = sink();
    const target = join(dir, 'over.onnx');
    await expect(quantizeCommand([...args(target, '--max-drop', '1', '--json')], out.stream)).rejects.toMatchObject({ code: 'ERR_QUANTIZATION', details: { verdict: 'over-budget' } });
    const json = JSON.parse(out.text());
    expect(json.report.verdict).toBe('over-budget');
    expect(json.report.budget).toMatchObject({ maxDrop: 1, met: false });
    expect(json.report.map.boxDrop).toBeGreaterThan(1);
    expect(json.quantize.written).toBe(false);
    expect(existsSync(target)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('over.onnx'))).toEqual([]); // no partial file left
  });

  it('--allow-over-budget writes the best effort and says so; the verdict stays OVER BUDGET', async () => {
    const out = sink();
    const target = join(dir, 'over-allowed.onnx');
    await quantizeCommand([...args(target, '--max-drop', '1', '--allow-over-budget')], out.stream);
    expect(existsSync(target)).toBe(true);
    expect(out.text()).toMatch(/^verdict: OVER BUDGET \(.*box mAP drop [\d.]+ > max-drop 1\.00 points on 4 evaluation images/m);
    expect(out.text()).toMatch(/budget: max-drop 1\.00 points NOT met/);
    expect(out.text()).toMatch(/OVER BUDGET: .*wrote the best effort to .*over-allowed\.onnx anyway/);
  });

  it('--pseudo-conf reaches quantize() and is validated there, before calibrating', async () => {
    await expect(quantizeCommand([MODELS.seg320(), '--calib', calib, '--out', join(dir, 'pc.onnx'), '--max-drop', '1', '--pseudo-conf', '1.5'], sink().stream)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/pseudoConf but received 1\.5/) });
    expect(existsSync(join(dir, 'pc.onnx'))).toBe(false);
  });

  it('a budget nothing would measure is refused (--check / --trt-cache without --eval)', async () => {
    await expect(quantizeCommand([MODELS.seg320(), '--calib', calib, '--trt-cache', cache, '--out', join(dir, 'x.onnx'), '--max-drop', '1'], sink().stream)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/--eval/) });
    await expect(quantizeCommand([MODELS.seg320(), '--calib', calib, '--check', MODELS.seg320(), '--max-drop', '1'], sink().stream)).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    expect(existsSync(join(dir, 'x.onnx'))).toBe(false);
  });

  it('a budget that holds: verdict not over budget, written', async () => {
    const out = sink();
    const target = join(dir, 'within.onnx');
    await quantizeCommand([...args(target, '--max-drop', '100', '--json')], out.stream);
    const json = JSON.parse(out.text());
    expect(json.report.verdict).not.toBe('over-budget');
    expect(json.report.budget).toMatchObject({ maxDrop: 100, met: true });
    expect(json.quantize.output).toBe(target);
    expect(json.report.int8.path).toBe(target);
    expect(existsSync(target)).toBe(true);
  });
});

describe('the headline drop with labels for the judged images', () => {
  // a real quantization with a budget and --eval: the labelled drop is the verdict, in text and JSON alike
  const args = (out: string, ...more: string[]) => [MODELS.seg320(), '--calib', fixture('coco128', 'images', 'train2017'), '--count', '6', '--out', out, '--max-drop', '100', '--eval', fixture('coco128', 'annotations', 'instances_train2017.json'), '--limit', '4', '--latency-runs', '2', ...more];

  it('report JSON and text print the same labelled drop; the label-free estimate is beside it, not judged', async () => {
    const json = sink();
    await quantizeCommand(args(join(dir, 'headline.onnx'), '--json'), json.stream);
    const r = JSON.parse(json.text());
    const { budget, map } = r.report;
    expect(budget).toMatchObject({ maxDrop: 100, met: true, judgedOn: 'evaluation', measure: 'mirror-estimate', calibrationImages: 6 });
    expect(budget.drop).toBe(Math.max(map.boxDrop, map.maskDrop));
    // quantize()'s own figure, the written model's estimate on all 6 calibration images, rides along
    expect(r.quantize.budget).toMatchObject({ measure: 'mirror-estimate', images: 6, heldOutImages: 4, met: true });
    expect(budget.calibrationDrop).toBe(r.quantize.budget.drop);
    expect(budget.calibrationNoise).toBe(r.quantize.budget.noise);
    expect(r.quantize.budget.drop).toBe(Math.max(r.quantize.budget.estimate.box.drop, r.quantize.budget.estimate.mask.drop));
    const text = sink();
    await quantizeCommand(args(join(dir, 'headline-text.onnx')), text.stream);
    const headline = text.text().match(/^budget: max-drop 100\.00 points met: drop (-?[\d.]+) points \(labelled mAP50-95 on 4 evaluation images\)$/m);
    expect(headline).not.toBeNull();
    expect(headline![1]).toBe(budget.drop.toFixed(2));
    expect(text.text()).toMatch(/^ {2}estimated drop -?[\d.]+ ± [\d.]+ points on 6 calibration images \(label-free.*\): information only, not judged$/m);
    expect(text.text()).toMatch(/^search: estimated drop \(label-free\) on 6 calibration images: all int8 -?[\d.]+ ± [\d.]+ -> .*agreement proxy/m);
  });
});

describe('TensorRT calibration cache import', () => {
  it('puts Q/DQ on the cached tensors with the cache scales bit for bit', async () => {
    const plan = planQdq(loadOnnxFile(MODELS.det640()), 'tensorrt');
    const names = [...plan.activations.keys()];
    const cached = names.slice(0, names.length - 2); // two tensors missing from the cache stay float
    const scales = new Map(cached.map((n, i) => [n, 1 + i * 0.37]));
    const text = writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'EntropyCalibration2', scales });
    const output = join(dir, 'imported.onnx');
    const result = await importTrtCache(MODELS.det640(), text, output);
    expect(result.uncovered).toEqual(names.slice(-2));
    const model = loadOnnxFile(output);
    const g = model.graph!;
    for (const name of cached) {
      const q = g.node.find((n) => n.opType === 'QuantizeLinear' && n.input[0] === name)!;
      expect(q, name).toBeDefined();
      const scale = g.initializer.find((t) => t.name === q.input[1])!;
      const bits = Buffer.from(scale.rawData!).readUInt32LE(0).toString(16).padStart(8, '0');
      expect(bits).toBe(amaxToHex(scales.get(name)!));
    }
    for (const name of names.slice(-2)) expect(g.node.some((n) => n.opType === 'QuantizeLinear' && n.input[0] === name)).toBe(false);
    await expect(importTrtCache(MODELS.det640(), 'not a cache')).rejects.toMatchObject({ code: 'ERR_CALIBRATION' });
  });

  it('precomputed ranges quantize without images', async () => {
    const plan = planQdq(loadOnnxFile(MODELS.det640()), 'cpu');
    const ranges = Object.fromEntries([...plan.activations.keys()].map((t) => [t, { min: -1, max: 8 }]));
    const result = await quantize({ onnx: MODELS.det640(), calibration: { ranges }, target: 'cpu' });
    expect(result.method).toBe('precomputed');
    expect(result.counts.quantizeLinear).toBeGreaterThan(150);
  });
});
