/**
 * Quantization parameters against the ONNX QuantizeLinear / DequantizeLinear definitions and
 * ONNX Runtime's quantizer formulas (values worked out by hand in the comments):
 *   symmetric int8: scale = amax / 127, zero point 0 (restricted range -127..127);
 *   asymmetric uint8: scale = (max - min) / 255 with 0 in the range, zero point = round(-min / scale);
 *   per-channel weights: one scale per output channel along the weight's channel axis
 *   (axis 0 for Conv [M, C/g, k..], axis 1 for ConvTranspose [C, M/g, k..]).
 * And the TensorRT calibration cache line format: `<tensor>: <8 hex digits of the float32 scale>`.
 */
import { describe, expect, it } from 'vitest';
import { DataType, loadOnnxFile, tensorToFloat32, type OnnxModel } from '../lib/onnx/index.js';
import { quantize } from '../lib/quantize/qdq.js';
import { asymmetricParams, quantizeWeight, symmetricParams } from '../lib/quantize/qdq-write.js';
import { readTrtCache } from '../lib/quantize/trt-cache.js';
import { MODELS } from './fixtures.js';

describe('activation parameters', () => {
  it('symmetric int8: amax 127 gives scale exactly 1, amax 63.5 gives 0.5', () => {
    expect(symmetricParams({ amax: 127 })).toEqual({ scale: 1, zeroPoint: 0, dtype: 'int8' });
    expect(symmetricParams({ amax: 63.5 }).scale).toBe(0.5);
    expect(symmetricParams({ min: -254, max: 3 }).scale).toBe(2);
  });

  it('asymmetric uint8: zero point rounds to nearest (-min/scale = 10.7 -> 11, not 10)', () => {
    // range [-0.107, 2.443]: scale = 2.55 / 255 = 0.01 (float32), -min / scale = 10.7
    const p = asymmetricParams({ min: -0.107, max: 2.443 });
    expect(p.dtype).toBe('uint8');
    expect(p.scale).toBe(Math.fround(0.01));
    expect(p.zeroPoint).toBe(11);
    // 0 is always in the range: [2, 5.1] becomes [0, 5.1], zero point 0, scale 0.02
    expect(asymmetricParams({ min: 2, max: 5.1 })).toEqual({ scale: Math.fround(0.02), zeroPoint: 0, dtype: 'uint8' });
    // all-negative: [-5.1, -1] -> [-5.1, 0], zero point 255
    expect(asymmetricParams({ min: -5.1, max: -1 }).zeroPoint).toBe(255);
  });
});

describe('per-channel weights', () => {
  it('one scale per channel along the axis: amax / 127 of each channel', () => {
    // dims [2, 2] on axis 0: channel 0 = [1, -0.25], channel 1 = [100, 30]
    const { q, scales } = quantizeWeight(Float32Array.of(1, -0.25, 100, 30), [2, 2], 0);
    expect(Array.from(scales)).toEqual([1 / 127, 100 / 127].map(Math.fround)); // float32 scales
    // -0.25 * 127 = -31.75 -> -32; 30 * 1.27 = 38.1 -> 38
    expect(Array.from(q)).toEqual([127, -32, 127, 38]);
  });

  it('axis 1 groups the inner dimension: dims [2, 3] on axis 1 has three channels', () => {
    const { q, scales } = quantizeWeight(Float32Array.of(1, 2, 4, -2, -1, 8), [2, 3], 1);
    expect(Array.from(scales)).toEqual([2 / 127, 2 / 127, 8 / 127].map(Math.fround));
    expect(Array.from(q)).toEqual([64, 127, 64, -127, -64, 127]);
  });
});

describe('the segmentation model: ConvTranspose weights per output channel (axis 1)', () => {
  function convTransposeWeights(model: OnnxModel) {
    const g = model.graph!;
    return g.node.filter((n) => n.opType === 'ConvTranspose').map((n) => n.input[1]!);
  }

  it.each(['tensorrt', 'cpu'] as const)('%s target', async (target) => {
    const fp32 = loadOnnxFile(MODELS.seg320());
    const names = convTransposeWeights(fp32);
    expect(names.length).toBeGreaterThan(0);
    // every tensor gets a range, so every weighted op is quantized
    const ranges: Record<string, { amax: number }> = {};
    for (const n of fp32.graph!.node) for (const t of [...n.input, ...n.output]) ranges[t] = { amax: 4 };
    for (const i of fp32.graph!.input) ranges[i.name] = { amax: 1 };
    const original = new Map(names.map((w) => [w, fp32.graph!.initializer.find((t) => t.name === w)!]));
    const shapes = new Map([...original].map(([w, t]) => [w, t.dims.map(Number)]));
    const values = new Map([...original].map(([w, t]) => [w, tensorToFloat32(t)]));

    const { model } = await quantize({ onnx: MODELS.seg320(), calibration: { ranges }, target });
    const g = model.graph!;
    for (const w of names) {
      const dq = g.node.find((n) => n.output.includes(w))!;
      expect(dq.opType, w).toBe('DequantizeLinear');
      expect(Number(dq.attribute.find((a) => a.name === 'axis')?.i), w).toBe(1);
      const qt = g.initializer.find((t) => t.name === dq.input[0])!;
      expect(qt.dataType).toBe(DataType.INT8);
      const q = tensorToFloat32(qt);
      const scale = tensorToFloat32(g.initializer.find((t) => t.name === dq.input[1])!);
      const [cin, cout, ...k] = shapes.get(w)!;
      expect(scale).toHaveLength(cout!);
      const inner = k.reduce((a, b) => a * b, 1);
      const x = values.get(w)!;
      // DequantizeLinear along axis 1: x ~ q * scale[c_out], within half a step; the largest
      // |x| of each output channel maps to +-127
      const amax = new Float64Array(cout!);
      for (let i = 0; i < x.length; i++) {
        const c = Math.floor(i / inner) % cout!;
        amax[c] = Math.max(amax[c]!, Math.abs(x[i]!));
        expect(Math.abs(q[i]! * scale[c]! - x[i]!), `${w}[${i}]`).toBeLessThanOrEqual(scale[c]! / 2 + 1e-7);
      }
      for (let c = 0; c < cout!; c++) expect(scale[c]).toBeCloseTo(amax[c]! / 127, 9);
      expect(cin).toBeGreaterThan(0);
    }
  });
});

describe('TensorRT calibration cache lines', () => {
  it('accept 1 to 8 hex digits and reject 9 or 16 (a float32 is 8)', () => {
    expect(readTrtCache('TRT-100300-EntropyCalibration2\nimages: 3c010204\n').amax.get('images')).toBeCloseTo(0.0078740157 * 127, 6);
    for (const hex of ['3f8000003f800000', '13f800000']) {
      expect(() => readTrtCache(`TRT-100300-EntropyCalibration2\nimages: ${hex}\n`)).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION', message: expect.stringMatching(/Line 2/) }));
    }
  });
});
