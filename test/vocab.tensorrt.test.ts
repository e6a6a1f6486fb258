import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateBuildOptions } from '../lib/build-engine.js';
import { describeModel, readOnnx } from '../lib/onnx/index.js';
import { DEFAULT_CLASS_RANGE, embeddingsShapeRange } from '../lib/vocabulary.js';
import { MODELS } from './fixtures.js';
import { YOLOE } from './vocab.helpers.js';

/** The TypeScript side of TensorRT engines for run-time vocabularies: the profile over K. */
describe('buildEngine: run-time vocabularies', () => {
  it('vocabularySize defaults to K 1 / 80 / 1203 and rejects bad ranges with typed errors', () => {
    expect(validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine' }).vocabularySize).toEqual({ min: 1, opt: 80, max: 1203 });
    expect(DEFAULT_CLASS_RANGE).toEqual({ min: 1, opt: 80, max: 1203 });
    expect(validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine', vocabularySize: { max: 4585 } }).vocabularySize).toEqual({ min: 1, opt: 80, max: 4585 });
    const bad: [unknown, RegExp][] = [
      [{ min: 0 }, /Expected an integer between 1 and 65536 for vocabularySize.min but received 0/],
      [{ opt: 2.5 }, /vocabularySize.opt/],
      [{ min: 90, opt: 80 }, /Expected min <= opt <= max for vocabularySize/],
      [[1, 80, 1203], /Expected an object \{ min, opt, max \} of class counts for vocabularySize/],
    ];
    for (const [value, message] of bad) {
      expect(() => validateBuildOptions({ onnx: 'm.onnx', output: 'm.engine', vocabularySize: value as never })).toThrow(message);
    }
  });

  it('adds a [1, K, 512] profile for the class-embeddings input of the YOLOE fixtures, none for fixed models', () => {
    for (const path of [YOLOE.runtime(), YOLOE.randomRuntime()]) {
      const d = describeModel(readOnnx(readFileSync(path)));
      expect(embeddingsShapeRange(d.inputs, d.metadata, DEFAULT_CLASS_RANGE)).toEqual({ input: 'class_embeddings', min: [1, 1, 512], opt: [1, 80, 512], max: [1, 1203, 512] });
      expect(embeddingsShapeRange(d.inputs, d.metadata, { min: 2, opt: 2, max: 2 })).toEqual({ input: 'class_embeddings', min: [1, 2, 512], opt: [1, 2, 512], max: [1, 2, 512] });
    }
    for (const path of [MODELS.seg320(), YOLOE.fused(), YOLOE.promptFree()]) {
      const d = describeModel(readOnnx(readFileSync(path)));
      expect(embeddingsShapeRange(d.inputs, d.metadata, DEFAULT_CLASS_RANGE)).toBeUndefined();
    }
  });
});
