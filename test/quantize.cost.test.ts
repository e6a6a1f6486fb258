/**
 * The cpu target's speed rewrites and the cost-aware mixed precision: the DFL in its last-axis
 * form computes the same boxes as the exported one, and pruning re-quantizes the costliest
 * float layers the budget can spare.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnxRuntime } from '../lib/backends/cpu.js';
import { loadOnnxFile, makeModel, node, valueInfo, writeOnnx, type OnnxModel } from '../lib/onnx/index.js';
import { fastDfl } from '../lib/quantize/fast-dfl.js';
import { pruneCostlyFloatLayers } from '../lib/quantize/sensitivity.js';
import { MODELS } from './fixtures.js';

async function runOutputs(model: OnnxModel, size: number): Promise<Float32Array[]> {
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(writeOnnx(model));
  try {
    const data = new Float32Array(3 * size * size).map((_, i) => ((i * 7919) % 255) / 255);
    const out = await session.run({ [session.inputNames[0]!]: new ort.Tensor('float32', data, [1, 3, size, size]) });
    return session.outputNames.map((n) => out[n]!.data as Float32Array);
  } finally {
    await session.release();
  }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('fastDfl', () => {
  it.each([
    ['yolov8n 640', MODELS.det640, 640],
    ['yolov8n-seg 320', MODELS.seg320, 320],
  ])('%s: Softmax over the last axis + MatMul, same outputs', async (_, path, size) => {
    const model = loadOnnxFile(path());
    const { model: fast, rewritten } = fastDfl(model);
    expect(rewritten).toBe(1);
    const g = fast.graph!;
    const softmax = g.node.find((n) => n.name === '/model.22/dfl/Softmax')!;
    expect(Number(softmax.attribute.find((a) => a.name === 'axis')!.i)).toBe(-1);
    expect(g.node.some((n) => n.name === '/model.22/dfl/conv/Conv')).toBe(false);
    expect(g.node.filter((n) => n.opType === 'MatMul')).toHaveLength(1);
    expect(g.initializer.some((t) => t.name === 'model.22.dfl.conv.weight')).toBe(false);
    // the input model is left as it was
    expect(model.graph!.node.some((n) => n.name === '/model.22/dfl/conv/Conv')).toBe(true);
    const [a, b] = [await runOutputs(model, size), await runOutputs(fast, size)];
    for (let k = 0; k < a.length; k++) expect(maxAbsDiff(a[k]!, b[k]!)).toBeLessThan(1e-3);
  });

  it('leaves a graph without a DFL block untouched', () => {
    const model = makeModel({
      inputs: [valueInfo('x', 'float32', [1, 16, 4, 8])],
      outputs: [valueInfo('y', 'float32', [1, 16, 4, 8])],
      nodes: [node('Softmax', ['x'], ['y'], { axis: 1 })],
    });
    const r = fastDfl(model);
    expect(r.rewritten).toBe(0);
    expect(r.model).toBe(model);
  });
});

describe('pruneCostlyFloatLayers', () => {
  // an additive accuracy model: each float layer recovers a known part of a 3-point drop
  const recovery: Record<string, number> = { big: 0.3, small1: 1.0, small2: 0.9, mid: 0.4 };
  const size: Record<string, number> = { big: 295_000, small1: 432, small2: 2_304, mid: 65_000 };
  const dropOf = async (layers: string[]) => 3 - layers.reduce((s, l) => s + recovery[l]!, 0);

  it('re-quantizes the largest layers while the budget holds, keeps the ones it needs', async () => {
    const all = ['small1', 'big', 'small2', 'mid'];
    const start = await dropOf(all);
    const r = await pruneCostlyFloatLayers(all, start, (l) => size[l]!, dropOf, 1.0);
    // without big: 0.7 <= 1; without mid too: 1.1 > 1, so mid stays
    expect(r.floatLayers).toEqual(['small1', 'small2', 'mid']);
    expect(r.drop).toBeCloseTo(0.7, 10);
  });

  it('keeps everything when no removal fits, and never empties the set', async () => {
    const r = await pruneCostlyFloatLayers(['small1', 'small2'], 1.1, (l) => size[l]!, dropOf, 1.1);
    expect(r.floatLayers).toEqual(['small1', 'small2']);
    const one = await pruneCostlyFloatLayers(['small1'], 2.0, (l) => size[l]!, dropOf, 5);
    expect(one.floatLayers).toEqual(['small1']);
  });
});
