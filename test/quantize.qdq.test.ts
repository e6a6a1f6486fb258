/**
 * Q/DQ placement for both targets on the real YOLOv8n graph, exclusions, the written models
 * running in ONNX Runtime and still detecting bus.jpg's bus and people.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../lib/model.js';
import { DataType, loadOnnxFile, tensorToFloat32, type OnnxModel } from '../lib/onnx/index.js';
import { paramsSource, planQdq } from '../lib/quantize/placement.js';
import { quantize, type QuantizeResult } from '../lib/quantize/qdq.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-q-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function calibrationImages(n: number): string[] {
  const images = fixture('coco128', 'images', 'train2017');
  return readdirSync(images).sort().slice(0, n).map((f) => join(images, f));
}

/** op type of the node reading each DequantizeLinear output (activations only) -> count */
function quantizedInputsByOp(model: OnnxModel): Record<string, number> {
  const g = model.graph!;
  const dqOut = new Set(g.node.filter((n) => n.opType === 'DequantizeLinear' && !g.initializer.some((t) => t.name === n.input[0] && t.dataType === DataType.INT8 && t.dims.length > 1)).map((n) => n.output[0]!));
  const counts: Record<string, number> = {};
  for (const n of g.node) for (const t of n.input) if (dqOut.has(t)) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
  return counts;
}

function initializer(model: OnnxModel, name: string) {
  return model.graph!.initializer.find((t) => t.name === name);
}

function producerOf(model: OnnxModel, tensor: string) {
  return model.graph!.node.find((n) => n.output.includes(tensor));
}

async function detectBus(path: string) {
  const model = await loadModel(path, { backend: 'cpu' });
  try {
    return (await model.detect(IMAGES.bus())).detections;
  } finally {
    await model.dispose();
  }
}

describe('placement plan on yolov8n', () => {
  const fp32 = () => loadOnnxFile(MODELS.det640());

  it('cpu: Q/DQ around the body ops, head post-processing, DFL, class convs and the stem float', () => {
    const plan = planQdq(fp32(), 'cpu');
    const nodes = plan.index.graph.node;
    const quantizedOps: Record<string, number> = {};
    for (const i of plan.quantizedNodes) quantizedOps[nodes[i]!.opType!] = (quantizedOps[nodes[i]!.opType!] ?? 0) + 1;
    // 64 convs - dfl - 3 class convs - the stem (3 input channels); SiLUs of the 3 class convs' inputs stay quantized (they are body)
    expect(quantizedOps.Conv).toBe(59);
    expect(quantizedOps.Sigmoid).toBe(56);
    expect(quantizedOps.Mul).toBe(56);
    expect(quantizedOps.Add).toBe(6); // the residual adds; the 2 box-decode adds stay float
    expect(quantizedOps.MaxPool).toBe(3);
    expect(quantizedOps.Resize).toBe(2);
    expect(plan.floatByDefault).toEqual(['/model.22/dfl/conv/Conv', '/model.22/cv3.0/cv3.0.2/Conv', '/model.22/cv3.1/cv3.1.2/Conv', '/model.22/cv3.2/cv3.2.2/Conv', '/model.0/conv/Conv']);
    // the image itself is not quantized: the stem reads it in float
    expect(plan.activations.has('images')).toBe(false);
    for (const name of ['/model.22/Softmax', '/model.22/dfl/Softmax', '/model.22/Sigmoid', '/model.22/Concat_5', '/model.22/Div_1']) {
      const i = nodes.findIndex((n) => n.name === name);
      if (i >= 0) expect(plan.quantizedNodes.has(i), name).toBe(false);
    }
    // data-movement outputs share their input's parameters
    const pool = nodes.find((n) => n.opType === 'MaxPool')!;
    expect(plan.shareParams.get(pool.output[0]!)).toBe(pool.input[0]);
    expect(plan.weights).toHaveLength(59);
  });

  it('cpu: quantizeStem puts the stem back in int8; tensorrt always quantizes it', () => {
    const plan = planQdq(fp32(), 'cpu', { quantizeStem: true });
    const nodes = plan.index.graph.node;
    expect(plan.quantizedNodes.has(nodes.findIndex((n) => n.name === '/model.0/conv/Conv'))).toBe(true);
    expect(plan.activations.has('images')).toBe(true);
    expect(plan.floatByDefault).not.toContain('/model.0/conv/Conv');
    const trt = planQdq(fp32(), 'tensorrt');
    expect(trt.quantizedNodes.has(trt.index.graph.node.findIndex((n) => n.name === '/model.0/conv/Conv'))).toBe(true);
  });

  it('tensorrt: Q/DQ only on inputs of convs and residual adds', () => {
    const plan = planQdq(fp32(), 'tensorrt');
    const nodes = plan.index.graph.node;
    const ops = new Set([...plan.quantizedNodes].map((i) => nodes[i]!.opType));
    expect([...ops].sort()).toEqual(['Add', 'Conv']);
    for (const consumers of plan.activations.values()) {
      expect(consumers).not.toBe('all');
      for (const c of consumers as number[]) expect(['Conv', 'Add']).toContain(nodes[c]!.opType);
    }
    expect([...plan.quantizedNodes].filter((i) => nodes[i]!.opType === 'Add')).toHaveLength(6);
  });

  it('excludes by name, op type and pattern (a conv takes its SiLU along)', () => {
    const base = planQdq(fp32(), 'cpu');
    const plan = planQdq(fp32(), 'cpu', { exclude: { names: ['/model.0/conv/Conv'], opTypes: ['Concat'], patterns: [/model\.2\//] } });
    const nodes = plan.index.graph.node;
    const quantized = (name: string) => plan.quantizedNodes.has(nodes.findIndex((n) => n.name === name));
    expect(quantized('/model.0/conv/Conv')).toBe(false);
    expect(quantized('/model.0/act/Sigmoid')).toBe(false);
    expect(quantized('/model.0/act/Mul')).toBe(false);
    expect(quantized('/model.1/conv/Conv')).toBe(true);
    expect([...plan.quantizedNodes].some((i) => nodes[i]!.opType === 'Concat')).toBe(false);
    expect([...plan.quantizedNodes].some((i) => (nodes[i]!.name ?? '').includes('/model.2/'))).toBe(false);
    expect(plan.quantizedNodes.size).toBeLessThan(base.quantizedNodes.size);
    expect(plan.excluded).toContain('/model.0/conv/Conv');
    expect(() => planQdq(fp32(), 'cpu', { exclude: { patterns: ['('] } })).toThrow(/exclude.patterns/);
    expect(() => planQdq(fp32(), 'gpu' as never)).toThrow(/target/);
  });
});

describe('quantize() on yolov8n with precomputed ranges', () => {
  const model = loadOnnxFile(MODELS.det640());
  const plan = planQdq(model, 'cpu');
  // every planned tensor gets its own range, wide on the negative side
  const ranges = new Map([...plan.activations.keys()].filter((t) => !plan.shareParams.has(t)).map((t, i) => [t, { min: -20 - (i % 7), max: 5 + (i % 11) }]));
  const concats = model.graph!.node.filter((n, i) => n.opType === 'Concat' && plan.quantizedNodes.has(i));
  const paramsOf = (r: QuantizeResult, t: string) => r.params.get(t) ?? r.params.get(paramsSource(plan, t))!;

  it('cpu: a quantized Concat reads and writes one scale (bytes are copied), unless unifyConcatScales is false', async () => {
    expect(concats.length).toBe(13);
    const unified = await quantize({ onnx: model, calibration: { ranges } });
    const separate = await quantize({ onnx: model, calibration: { ranges }, unifyConcatScales: false });
    let differing = 0;
    for (const c of concats) {
      const out = paramsOf(unified, c.output[0]!);
      for (const t of c.input) {
        expect(paramsOf(unified, t), `${c.name} ${t}`).toEqual(out);
        if (paramsOf(separate, t).scale !== paramsOf(separate, c.output[0]!).scale) differing++;
      }
      // the shared range covers every member's own range (to one step: zero points are rounded)
      const lo = -out.zeroPoint * out.scale;
      const hi = (255 - out.zeroPoint) * out.scale;
      for (const t of [...c.input, c.output[0]!]) {
        const p = paramsOf(separate, t);
        expect(lo).toBeLessThanOrEqual(-p.zeroPoint * p.scale + out.scale);
        expect(hi).toBeGreaterThanOrEqual((255 - p.zeroPoint) * p.scale - out.scale);
      }
    }
    expect(differing).toBeGreaterThan(10);
  });

  it('cpu: siluInputFloor null keeps a SiLU input\'s calibrated minimum, the default floors it at -8', async () => {
    const t = '/model.2/cv1/conv/Conv_output_0';
    expect(ranges.get(t)!.min).toBeLessThan(-8);
    const floored = await quantize({ onnx: model, calibration: { ranges } });
    const raw = await quantize({ onnx: model, calibration: { ranges }, siluInputFloor: null });
    const lo = (p: { scale: number; zeroPoint: number }) => -p.zeroPoint * p.scale;
    // to one step: zero points are rounded
    expect(Math.abs(lo(floored.params.get(t)!) + 8)).toBeLessThan(floored.params.get(t)!.scale);
    expect(Math.abs(lo(raw.params.get(t)!) - ranges.get(t)!.min)).toBeLessThan(raw.params.get(t)!.scale);
  });
});

describe('quantize() on yolov8n (4 calibration images)', () => {
  let cpu: QuantizeResult;
  let trt: QuantizeResult;
  const cpuPath = join(dir, 'cpu.onnx');
  const trtPath = join(dir, 'trt.onnx');

  beforeAll(async () => {
    const images = calibrationImages(4);
    cpu = await quantize({ onnx: MODELS.det640(), output: cpuPath, calibration: { images }, target: 'cpu' });
    trt = await quantize({ onnx: MODELS.det640(), output: trtPath, calibration: { images }, target: 'tensorrt' });
  });

  it('cpu target: uint8 activations, int8 per-channel weights, Q after every quantized conv', () => {
    const model = loadOnnxFile(cpuPath);
    const g = model.graph!;
    const qs = g.node.filter((n) => n.opType === 'QuantizeLinear');
    expect(qs.length).toBe(cpu.counts.quantizeLinear);
    for (const q of qs) expect(initializer(model, q.input[2]!)!.dataType).toBe(DataType.UINT8);
    const byOp = quantizedInputsByOp(model);
    expect(byOp.Conv).toBe(62); // 59 int8 convs + the 3 float class convs read a quantized SiLU output
    expect(byOp.Sigmoid).toBe(56);
    expect(byOp.Mul).toBe(112);
    // every quantized conv is followed by a QuantizeLinear (ONNX Runtime fuses QLinearConv only then)
    const convs = g.node.filter((n) => n.opType === 'Conv' && g.node.some((d) => d.opType === 'DequantizeLinear' && d.output[0] === n.input[1]));
    expect(convs).toHaveLength(59);
    for (const c of convs) expect(g.node.some((q) => q.opType === 'QuantizeLinear' && q.input[0] === c.output[0])).toBe(true);
    // the stem and class convs keep float weights; the float DFL became Softmax(last axis) + MatMul
    for (const w of ['model.0.conv.weight', 'model.22.cv3.0.2.weight', 'model.22.cv3.2.2.weight']) expect(initializer(model, w)!.dataType).toBe(DataType.FLOAT);
    expect(g.node.filter((n) => n.opType === 'MatMul')).toHaveLength(1);
    expect(initializer(model, 'model.22.dfl.conv.weight')).toBeUndefined();
    const wdq = producerOf(model, 'model.1.conv.weight')!;
    expect(wdq.opType).toBe('DequantizeLinear');
    expect(Number(wdq.attribute.find((a) => a.name === 'axis')!.i)).toBe(0);
    expect(initializer(model, wdq.input[0]!)!.dataType).toBe(DataType.INT8);
    expect(initializer(model, wdq.input[1]!)!.dims.map(Number)).toEqual([32]);
    expect(cpu.bytes.length / 12.8e6).toBeLessThan(0.3);
  });

  it('cpu target: by default a SiLU input range is floored at -8, its output range is not', () => {
    let floored = 0;
    for (const [t, p] of cpu.params) {
      const lo = -p.zeroPoint * p.scale;
      if (/conv\/Conv_output_0$/.test(t) && !/model\.22\/(dfl|cv3\.\d\/cv3\.\d\.2)/.test(t) && !/cv2\.\d\/cv2\.\d\.2/.test(t)) {
        expect(lo, t).toBeGreaterThanOrEqual(-8 - p.scale);
        floored++;
      }
    }
    expect(floored).toBe(56); // 59 int8 convs less the 3 box convs (cv2.*.2, no SiLU behind them)
    // the box convs' outputs keep their calibrated negative range
    expect(cpu.params.get('/model.22/cv2.0/cv2.0.2/Conv_output_0')!.zeroPoint).toBeGreaterThan(0);
  });

  it('tensorrt target: symmetric int8 (zero point 0), per-channel weights on axis 0', () => {
    const model = loadOnnxFile(trtPath);
    const g = model.graph!;
    for (const q of g.node.filter((n) => n.opType === 'QuantizeLinear')) {
      const zp = initializer(model, q.input[2]!)!;
      expect(zp.dataType).toBe(DataType.INT8);
      expect(tensorToFloat32(zp)[0]).toBe(0);
    }
    const byOp = quantizedInputsByOp(model);
    expect(byOp).toEqual({ Conv: 60, Add: 12 });
    const wdq = producerOf(model, 'model.22.cv2.0.2.weight')!;
    expect(wdq.opType).toBe('DequantizeLinear');
    expect(Number(wdq.attribute.find((a) => a.name === 'axis')!.i)).toBe(0);
    const zps = tensorToFloat32(initializer(model, wdq.input[2]!)!);
    expect(zps.every((v) => v === 0)).toBe(true);
    expect(trt.counts.weights).toBe(60);
  });

  it('both quantized models still find the bus and 4 people on bus.jpg', async () => {
    for (const path of [cpuPath, trtPath]) {
      const dets = await detectBus(path);
      expect(dets.filter((d) => d.label === 'bus')).toHaveLength(1);
      expect(dets.filter((d) => d.label === 'person').length).toBeGreaterThanOrEqual(3);
      expect(dets.filter((d) => d.label === 'person').length).toBeLessThanOrEqual(5);
      for (const d of dets.filter((d) => d.score > 0.8)) expect(['bus', 'person']).toContain(d.label);
    }
  });

  it('with maxDrop the held-out images choose the float layers, then join the final ranges', async () => {
    const images = calibrationImages(3);
    const mixed = await quantize({ onnx: MODELS.det640(), calibration: { images }, maxDrop: 100, holdout: 1 });
    expect(mixed.heldOutImages).toHaveLength(1);
    expect(mixed.mixedPrecision!.floatLayers).toEqual([]);
    // the written model is judged on every calibration image (its ranges saw them all), label-free
    expect(mixed.budget).toMatchObject({ maxDrop: 100, measure: 'mirror-estimate', images: 3, heldOutImages: 1, met: true });
    expect(mixed.budget!.drop).toBe(mixed.budget!.estimate!.box.drop);
    expect(mixed.budget!.noise).toBe(mixed.budget!.estimate!.box.noise);
    expect(mixed.budget!.estimate!.images).toBe(3);
    // the search judged the model that was written (ranges from all three images, folded in before it)
    const { estimateModelDrop } = await import('../lib/quantize/held-out-estimate.js');
    const { decodeImage } = await import('../lib/image/decode.js');
    // (label-free, on every calibration image: the signal ones, then the held-out one)
    const written = await estimateModelDrop(MODELS.det640(), mixed.bytes, await Promise.all(mixed.calibrationImages.map((f) => decodeImage(f))));
    expect(mixed.mixedPrecision!.fullDrop).toBe(written.drop);
    expect(mixed.mixedPrecision!.estimate!.box.int8Ap).toBe(written.box.int8Ap);
    expect(mixed.calibrationImages.at(-1)).toBe(mixed.heldOutImages[0]);
    expect(mixed.mixedPrecision!.signalImages).toBe(2); // the calibration images, not the held-out one
    expect(mixed.calibrationImages).toHaveLength(3);
    expect(mixed.calibrationImages).toContain(mixed.heldOutImages[0]);
    // the same ranges as calibrating on all three images directly
    const all = await quantize({ onnx: MODELS.det640(), calibration: { images } });
    expect([...mixed.params]).toEqual([...all.params]);
  });

  it('rejects bad options with clear errors', async () => {
    await expect(quantize({ onnx: MODELS.det640(), calibration: {} as never })).rejects.toThrow(/calibration/);
    await expect(quantize({ onnx: MODELS.det640(), calibration: { images: calibrationImages(1) }, method: 'kl' as never })).rejects.toThrow(/method/);
    await expect(quantize({ onnx: MODELS.det640(), calibration: { images: '/nonexistent' } })).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    await expect(quantize({ onnx: MODELS.det640(), calibration: { images: calibrationImages(1) }, siluInputFloor: 3 })).rejects.toThrow(/siluInputFloor/);
    await expect(quantize({ onnx: MODELS.det640(), calibration: { images: calibrationImages(1) }, maxDrop: 1, pseudoConf: 1.5 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'Expected a number in (0, 1) for pseudoConf but received 1.5' });
  });
});
