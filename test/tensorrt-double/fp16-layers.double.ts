// buildEngine fp16Layers: a run-time-vocabulary YOLOE-seg under implicit INT8 keeps FP16 the layers
// downstream of the class embeddings (the contrastive product) and the proto branch, through the
// contract double's graph (the .fakenet's layer lines mirror the fixture's head: region embedding
// x class embeddings -> scores -> output0, protos -> output1, mask coefficients into output0).
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { buildEngine, FP16_RULE } from '../../lib/build-engine.js';
import { readEngineHeader } from '../../lib/backends/engine-file.js';
import { convertToFp16, loadOnnxFile, writeOnnx } from '../../lib/onnx/index.js';
import { IMAGES, MODELS, fixture } from '../fixtures.js';
import { oneHot } from '../vocab.helpers.js';
import { clearLog, fail, log, tensorLines, violations, work } from './double.js';

const NET =
  tensorLines([
    { name: 'images', io: 'input', dims: [1, 3, 320, 320] },
    { name: 'class_embeddings', io: 'input', dims: [1, -1, 512] },
    { name: 'output0', io: 'output', dims: [1, 116, 2100] },
    { name: 'output1', io: 'output', dims: [1, 32, 80, 80] },
  ]) +
  [
    'layer backbone CONVOLUTION images feat',
    'layer box_conv CONVOLUTION feat box',
    'layer region_conv CONVOLUTION feat region',
    'layer mc_conv CONVOLUTION feat coeffs',
    'layer k_shape SHAPE class_embeddings k:int64:shape',
    'layer k_gather GATHER k kk:int64:shape',
    'layer emb_reshape SHUFFLE class_embeddings,kk emb',
    'layer contrast EINSUM region,emb logits',
    'layer emb_argmax REDUCE emb best:int32', // an int execution tensor: not pinnable
    'layer logit_scale ELEMENTWISE logits scaled',
    'layer scores ACTIVATION scaled probs',
    'layer head_concat CONCATENATION box,probs,coeffs output0',
    'layer proto_cv1 CONVOLUTION feat p1',
    'layer proto_up RESIZE p1 p2',
    'layer proto_cv3 CONVOLUTION p2 output1',
  ]
    .map((l) => `${l}\n`)
    .join('');
const CACHE = 'TRT-100300-EntropyCalibration2\nimages: 3c010a14\n';

let models = 0;
function model(fp16 = false): { onnx: string; cache: string } {
  const onnx = join(work, `vocab-${models++}.onnx`);
  const source = fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_runtime-vocab_320.onnx');
  if (fp16) writeFileSync(onnx, writeOnnx(convertToFp16(loadOnnxFile(source), { keepIoTypes: true })));
  else symlinkSync(source, onnx);
  writeFileSync(`${onnx}.fakenet`, NET);
  const cache = `${onnx}.cache`;
  writeFileSync(cache, CACHE);
  return { onnx, cache };
}
const pinned = (): Record<string, string> =>
  Object.fromEntries(log().filter((l) => l.startsWith('CALL pinned ')).map((l) => l.slice('CALL pinned '.length).split(/ (.*)/).slice(0, 2)));
const flags = (): string => log().find((l) => l.startsWith('CALL buildSerializedNetwork')) ?? '';

beforeEach(() => {
  clearLog();
  fail('');
});

describe('buildEngine fp16Layers on the double', () => {
  it("'auto' under INT8 pins the contrastive product and the proto branch to FP16, with kPREFER_PRECISION_CONSTRAINTS", async () => {
    const { onnx, cache } = model();
    const output = join(work, 'vocab-int8.engine');
    const result = await buildEngine({ onnx, output, precision: 'int8', calibration: { cache } });
    expect(pinned()).toEqual({
      emb_reshape: 'half outputs=half',
      contrast: 'half outputs=half',
      logit_scale: 'half outputs=half',
      scores: 'half outputs=half',
      head_concat: 'half outputs=-', // output0 keeps the ONNX's type
      proto_cv1: 'half outputs=half',
      proto_up: 'half outputs=half',
      proto_cv3: 'half outputs=-',
    });
    expect(flags()).toBe('CALL buildSerializedNetwork int8 fp16 prefer-precision');
    expect(violations()).toEqual([]);
    const expected = { rule: FP16_RULE, embeddingLayers: 5, protoLayers: 3, skipped: 3 };
    expect(result.metadata.fp16Layers).toEqual(expected);
    expect(readEngineHeader(output).metadata).toMatchObject({ precision: 'int8', fp16Layers: expected });
  });

  it("'none' pins nothing and sets no precision flag", async () => {
    const { onnx, cache } = model();
    const result = await buildEngine({ onnx, output: join(work, 'vocab-none.engine'), precision: 'int8', calibration: { cache }, fp16Layers: 'none' });
    expect(pinned()).toEqual({});
    expect(flags()).toBe('CALL buildSerializedNetwork int8');
    expect(result.metadata.fp16Layers).toBeUndefined();
  });

  it('fp16 precision needs no pins; a strongly typed build pins nothing and says why', async () => {
    const { onnx } = model();
    const fp16 = await buildEngine({ onnx, output: join(work, 'vocab-fp16.engine'), precision: 'fp16' });
    expect(fp16.metadata.fp16Layers).toBeUndefined();
    expect(pinned()).toEqual({});
    clearLog();
    const typed = model(true);
    const strong = await buildEngine({ onnx: typed.onnx, output: join(work, 'vocab-strong.engine'), precision: 'int8', calibration: { cache: typed.cache } });
    expect(log()).toContain('CALL createNetworkV2 flags=2');
    expect(pinned()).toEqual({});
    expect(flags()).toBe('CALL buildSerializedNetwork strong');
    expect(strong.metadata.fp16Layers).toEqual({ rule: FP16_RULE, embeddingLayers: 0, protoLayers: 0, skipped: 0, note: expect.stringMatching(/^strongly typed network: precisions come from the ONNX/) });
    expect(violations()).toEqual([]);
  });

  it('calibrating from images feeds calibration.embeddings with every batch; without them it stops before calibrating', async () => {
    const { onnx } = model();
    const calibration = { images: [IMAGES.bus()], count: 1, cacheDir: join(work, 'calibration') };
    const missing = await buildEngine({ onnx, output: join(work, 'vocab-calibrate.engine'), precision: 'int8', calibration }).catch((e) => e);
    expect(missing.code).toBe('ERR_INVALID_OPTION');
    expect(missing.message).toMatch(/^Expected 80 x 512 class embeddings .*for calibration\.embeddings but received undefined/);
    const narrow = await buildEngine({ onnx, output: join(work, 'vocab-calibrate.engine'), precision: 'int8', calibration: { ...calibration, embeddings: oneHot([0, 5]) } }).catch((e) => e);
    expect(narrow.code).toBe('ERR_INVALID_OPTION');
    expect(narrow.message).toContain('but received "1024 floats"');
    clearLog();
    const all = oneHot(Array.from({ length: 80 }, (_, k) => k));
    const built = await buildEngine({ onnx, output: join(work, 'vocab-calibrated.engine'), precision: 'int8', calibration: { ...calibration, embeddings: all } });
    expect(log()).toEqual(expect.arrayContaining(['CALL calibration input class_embeddings sum=80.000000', 'CALL calibration batches 1']));
    expect(built.metadata.fp16Layers).toMatchObject({ embeddingLayers: 5, protoLayers: 3 });
    expect(violations()).toEqual([]);
    // two classes calibrate with vocabularySize.opt 2
    clearLog();
    await buildEngine({ onnx, output: join(work, 'vocab-calibrated-2.engine'), precision: 'int8', vocabularySize: { opt: 2 }, calibration: { ...calibration, embeddings: oneHot([0, 5]) } });
    expect(log()).toContain('CALL calibration input class_embeddings sum=2.000000');
    // a fixed-class model has no use for them
    const fixed = await buildEngine({ onnx: MODELS.det640(), output: join(work, 'fixed.engine'), precision: 'int8', calibration: { ...calibration, embeddings: all } }).catch((e) => e);
    expect(fixed.code).toBe('ERR_INVALID_OPTION');
    expect(fixed.message).toContain('calibration.embeddings');
  });

  it('rejects an fp16Layers value that is not auto or none', async () => {
    const { onnx } = model();
    await expect(buildEngine({ onnx, output: join(work, 'x.engine'), fp16Layers: 'all' as never })).rejects.toMatchObject({
      code: 'ERR_INVALID_OPTION',
      message: expect.stringContaining('fp16Layers'),
    });
  });
});
