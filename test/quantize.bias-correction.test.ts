/**
 * Bias correction, checked by running the convs in ONNX Runtime: with int8 weights and the
 * corrected bias, a conv's output on an input of constant channels equals the float conv's
 * (away from the zero-padded border, which the channel-mean correction ignores by design).
 */
import { describe, expect, it } from 'vitest';
import { CpuBackend } from '../lib/backends/cpu.js';
import { initializer, makeModel, node, valueInfo, writeOnnx, type OnnxModel } from '../lib/onnx/index.js';
import { correctBiases } from '../lib/quantize/bias-correction.js';
import { planQdq } from '../lib/quantize/placement.js';
import { quantizeWeight } from '../lib/quantize/qdq-write.js';
import { seededRandom } from '../lib/random.js';

const CIN = 3;
const COUT = 4;
const S = 6;

function convModel(weights: Float32Array, bias: Float32Array): OnnxModel {
  return makeModel({
    inputs: [valueInfo('x', 'float32', [1, CIN, S, S])],
    outputs: [valueInfo('y', 'float32', [1, COUT, S, S])],
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], { pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, 'conv')],
    initializers: [initializer('w', 'float32', [COUT, CIN, 3, 3], weights), initializer('b', 'float32', [COUT], bias)],
  });
}

async function run(model: OnnxModel, x: Float32Array): Promise<Float32Array> {
  const b = await CpuBackend.create(writeOnnx(model));
  try {
    return (await b.run({ x: { data: x, dims: [1, CIN, S, S], dtype: 'float32' } })).y!.data as Float32Array;
  } finally {
    await b.dispose();
  }
}

describe('correctBiases', () => {
  it('int8 weights + corrected bias reproduce the float conv on constant channels (interior)', async () => {
    const random = seededRandom(3);
    // few, uneven weights per channel: a coarse per-channel int8 grid, so the mean shift is visible
    const w = Float32Array.from({ length: COUT * CIN * 9 }, () => (random() - 0.5) * (random() < 0.1 ? 4 : 0.3));
    const bias = Float32Array.from({ length: COUT }, () => random());
    const model = convModel(w, bias);
    const channelValue = [1.5, -0.7, 3.0];
    const x = Float32Array.from({ length: CIN * S * S }, (_, i) => channelValue[Math.floor(i / (S * S))]!);
    const means = new Map([['x', { sum: Float64Array.from(channelValue, (v) => v * S * S), count: S * S }]]);
    const plan = planQdq(model, 'tensorrt');
    expect(plan.weights).toHaveLength(1);
    const corrected = correctBiases(model, plan, means);
    const correctedBias = corrected.graph!.initializer.find((t) => t.name === 'b')!;
    const { q, scales } = quantizeWeight(w, [COUT, CIN, 3, 3], 0);
    const wq = Float32Array.from(q, (v, i) => v * scales[Math.floor(i / (CIN * 9))]!);
    const fp32 = await run(model, x);
    const plain = await run(convModel(wq, bias), x);
    const fixed = await run({ ...corrected, graph: { ...corrected.graph!, initializer: [initializer('w', 'float32', [COUT, CIN, 3, 3], wq), correctedBias] } }, x);
    let before = 0;
    let after = 0;
    for (let c = 0; c < COUT; c++) {
      for (let i = 1; i < S - 1; i++) {
        for (let j = 1; j < S - 1; j++) {
          const k = (c * S + i) * S + j;
          before = Math.max(before, Math.abs(plain[k]! - fp32[k]!));
          after = Math.max(after, Math.abs(fixed[k]! - fp32[k]!));
        }
      }
    }
    expect(before).toBeGreaterThan(1e-3);
    expect(after).toBeLessThan(1e-5);
    // the model passed in is untouched; a conv without channel means keeps its bias
    expect(model.graph!.initializer.find((t) => t.name === 'b')).not.toBe(correctedBias);
    expect(correctBiases(model, plan, new Map())).toBe(model);
  });
});
