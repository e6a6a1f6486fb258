import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initializer, makeModel, node, readOnnx, valueInfo } from '../lib/onnx/index.js';
import { embeddingsDownstream, planQdq } from '../lib/quantize/placement.js';
import { indexGraph } from '../lib/quantize/graph.js';
import { loadModel } from '../lib/index.js';
import { quantizationReport, quantize } from '../lib/quantize/index.js';
import { IMAGES, MODELS, fixture } from './fixtures.js';
import { YOLOE, oneHot, plain } from './vocab.helpers.js';

/** Q/DQ placement keeps the contrastive head of run-time-vocabulary models float. */

/** A head whose class product is a MatMul with the embeddings input: a weighted op the tensorrt target quantizes unless told not to. */
function matmulHead() {
  // 8 input channels: the cpu target keeps <= 4-channel stems float
  const w = new Float32Array(8 * 8 * 3 * 3).fill(0.1);
  return makeModel({
    opset: 13,
    inputs: [valueInfo('images', 'float32', [1, 8, 8, 8]), valueInfo('class_embeddings', 'float32', [1, 'K', 8])],
    outputs: [valueInfo('scores', 'float32', [1, 'K', 64])],
    initializers: [initializer('w', 'float32', [8, 8, 3, 3], w), initializer('shape', 'int64', [3], [1, 8, 64]), initializer('scale', 'float32', [1], [2])],
    nodes: [
      node('Conv', ['images', 'w'], ['region'], { pads: [1, 1, 1, 1] }, 'model.0/conv'),
      node('Reshape', ['region', 'shape'], ['flat'], {}, 'model.22/reshape'),
      node('MatMul', ['class_embeddings', 'flat'], ['logits'], {}, 'model.22/contrast/MatMul'),
      node('Mul', ['logits', 'scale'], ['scaled'], {}, 'model.22/contrast/Mul'),
      node('Sigmoid', ['scaled'], ['scores'], {}, 'model.22/sigmoid'),
    ],
  });
}

describe('quantize: run-time vocabularies', () => {
  it('keeps the MatMul with class_embeddings and what follows float on both targets', () => {
    for (const target of ['tensorrt', 'cpu'] as const) {
      const plan = planQdq(matmulHead(), target);
      const names = [...plan.quantizedNodes].map((i) => plan.index.graph.node[i]!.name);
      expect(names, target).toContain('model.0/conv');
      expect(names, target).not.toContain('model.22/contrast/MatMul');
      expect(names, target).not.toContain('model.22/contrast/Mul');
      expect(plan.activations.has('class_embeddings'), target).toBe(false);
      expect(plan.floatByDefault, target).toContain('model.22/contrast/MatMul');
    }
  });

  it('on the YOLOE run-time fixture: the three Einsums and everything after them stay float, the body is quantized', () => {
    const model = readOnnx(readFileSync(YOLOE.runtime()));
    const g = indexGraph(model);
    const downstream = embeddingsDownstream(g);
    const einsums = g.graph.node.map((n, i) => [n, i] as const).filter(([n]) => n.opType === 'Einsum').map(([, i]) => i);
    expect(einsums).toHaveLength(3);
    for (const i of einsums) expect(downstream.has(i)).toBe(true);
    for (const target of ['tensorrt', 'cpu'] as const) {
      const plan = planQdq(model, target);
      for (const i of downstream) expect(plan.quantizedNodes.has(i), `${target}: ${g.graph.node[i]!.name}`).toBe(false);
      expect(plan.activations.has('class_embeddings')).toBe(false);
      expect(plan.quantizedNodes.size, target).toBeGreaterThan(50);
    }
  });
});

describe('quantize: a run-time-vocabulary model end to end', () => {
  it('calibrates without embeddings (none of its quantized tensors depends on them), the int8 model still takes its classes at run time, and the report runs with a vocabulary', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yoloe-q-vocab-'));
    try {
      const output = join(dir, 'rt-int8.onnx');
      await quantize({ onnx: YOLOE.runtime(), output, calibration: { images: fixture('coco128', 'images', 'train2017'), count: 8, cacheDir: join(dir, 'cache') }, target: 'cpu' });
      const q = readOnnx(readFileSync(output));
      const downstream = embeddingsDownstream(indexGraph(q));
      const qdqAfterEmbeddings = [...downstream].filter((i) => /QuantizeLinear/.test(q.graph!.node[i]!.opType ?? ''));
      expect(qdqAfterEmbeddings).toEqual([]);
      const [int8, fp32] = await Promise.all([loadModel(output, { backend: 'cpu', threads: 2 }), loadModel(MODELS.seg320(), { backend: 'cpu', threads: 2 })]);
      try {
        expect(int8.info.vocabulary.kind).toBe('runtime');
        await int8.setClasses(['person', 'bus'], oneHot([0, 5]));
        const got = plain(await int8.detect(IMAGES.bus()));
        const want = plain(await fp32.detect(IMAGES.bus())).filter((d) => d.classId === 0 || d.classId === 5);
        expect(got.map((d) => d.label)).toEqual(want.map((d) => d.label));
        got.forEach((d, i) => expect(Math.abs(d.score - want[i]!.score)).toBeLessThan(0.06));
      } finally {
        await Promise.all([int8.dispose(), fp32.dispose()]);
      }
      // the report compares both with the same vocabulary (detections, raw head, latency with the embeddings fed)
      const vocabulary = { names: ['person', 'bus'], embeddings: oneHot([0, 5]) };
      const report = await quantizationReport({ fp32: YOLOE.runtime(), int8: output, images: [IMAGES.bus(), IMAGES.zidane()], latencyRuns: 2, vocabulary });
      expect(report.check.verdict).toBe('ok');
      expect(report.check.agreement.fp32Detections).toBe(7);
      expect(report.check.agreement.kept).toBeGreaterThan(0.8);
      expect(report.latency.fp32Ms).toBeGreaterThan(0);
      expect(report.latency.int8Ms).toBeGreaterThan(0);
      await expect(quantizationReport({ fp32: YOLOE.runtime(), int8: output, images: [IMAGES.bus()], latencyRuns: 1 })).rejects.toMatchObject({ code: 'ERR_NO_VOCABULARY' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
