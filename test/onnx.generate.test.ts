import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { parseUltralyticsMetadata, readModelDescription, readOnnx } from '../lib/onnx/index.js';
import { endToEndHeadSpec, makeProtos, makeSyntheticHeadModel, rawHeadValues, type RawHeadSpec } from './synthetic/generate.js';
import { writeSyntheticTestModels, PROMPT_FREE_HOT } from './synthetic/test-models.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { YoloeTrtError } from '../lib/errors.js';

async function runModel(bytes: Uint8Array, dims: number[], fill = 0.5): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const input = new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => (Number.isNaN(fill) ? NaN : ((i * 13) % 255) / 255));
  const out = await session.run({ images: new ort.Tensor('float32', input, dims) });
  await session.release();
  return out;
}

function sameFloats(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let mismatches = 0;
  for (let i = 0; i < expected.length; i++) if (!Object.is(actual[i], expected[i])) mismatches++;
  return mismatches;
}

describe('synthetic end-to-end heads (YOLO26 / YOLOE-26, nms=True exports)', () => {
  const rows = [
    { box: [10, 20, 110, 220] as [number, number, number, number], score: 0.91, classId: 0 },
    { box: [300.5, 40, 420, 200] as [number, number, number, number], score: 0.4, classId: 79 },
    { box: [0, 0, 640, 640] as [number, number, number, number], score: 0.25, classId: 5 },
  ];

  it('seg: output0 [1,300,38] and protos output1 [1,32,160,160] come out exactly', async () => {
    const spec = endToEndHeadSpec({ rows, nm: 32 });
    const bytes = makeSyntheticHeadModel(spec);
    const d = readModelDescription(bytes);
    expect(d.inputs).toEqual([{ name: 'images', dtype: 'float32', dims: [1, 3, 640, 640] }]);
    expect(d.outputs).toEqual([
      { name: 'output0', dtype: 'float32', dims: [1, 300, 38] },
      { name: 'output1', dtype: 'float32', dims: [1, 32, 160, 160] },
    ]);
    const meta = parseUltralyticsMetadata(d.metadata);
    expect(meta).toMatchObject({ task: 'segment', end2end: true, nms: false, imgsz: [640, 640], stride: 32 });
    expect(meta.names).toHaveLength(80);

    const out = await runModel(bytes, [1, 3, 640, 640]);
    const o0 = out.output0!.data as Float32Array;
    expect(out.output0!.dims).toEqual([1, 300, 38]);
    expect(sameFloats(o0, spec.outputs[0]!.data)).toBe(0);
    expect(Array.from(o0.subarray(38, 44))).toEqual([300.5, 40, 420, 200, Math.fround(0.4), 79]);
    expect(o0.subarray(3 * 38).every((v) => v === 0)).toBe(true); // zero padding after the rows
    expect(sameFloats(out.output1!.data as Float32Array, makeProtos(32, 160, 160))).toBe(0);
  });

  it('det: output0 [1,300,6]; an nms=True export with batch 2 and max_det 100', async () => {
    const det = makeSyntheticHeadModel(endToEndHeadSpec({ rows }));
    expect(readModelDescription(det).outputs).toEqual([{ name: 'output0', dtype: 'float32', dims: [1, 300, 6] }]);
    const detOut = (await runModel(det, [1, 3, 640, 640])).output0!.data as Float32Array;
    expect(Array.from(detOut.subarray(0, 12))).toEqual([10, 20, 110, 220, Math.fround(0.91), 0, 300.5, 40, 420, 200, Math.fround(0.4), 79]);

    const spec = endToEndHeadSpec({ rows: [rows, rows.slice(0, 1)], maxDet: 100, nm: 32, exportKind: 'nms', imgsz: [320, 320], names: ['a', 'b'] });
    const bytes = makeSyntheticHeadModel(spec);
    const meta = parseUltralyticsMetadata(readModelDescription(bytes).metadata);
    expect(meta).toMatchObject({ nms: true, end2end: false, batch: 2, imgsz: [320, 320], names: ['a', 'b'] });
    const out = await runModel(bytes, [2, 3, 320, 320]);
    expect(out.output0!.dims).toEqual([2, 100, 38]);
    expect(out.output1!.dims).toEqual([2, 32, 80, 80]);
    const o0 = out.output0!.data as Float32Array;
    expect(sameFloats(o0, spec.outputs[0]!.data)).toBe(0);
    expect(Array.from(o0.subarray(100 * 38, 100 * 38 + 6))).toEqual([10, 20, 110, 220, Math.fround(0.91), 0]);
    expect(o0.subarray(101 * 38).every((v) => v === 0)).toBe(true);
  });

  it('really consumes the input: a NaN image makes every output NaN', async () => {
    const out = await runModel(makeSyntheticHeadModel(endToEndHeadSpec({ rows })), [1, 3, 640, 640], NaN);
    expect((out.output0!.data as Float32Array).every(Number.isNaN)).toBe(true);
  });

  it('rejects inconsistent specs with ERR_INVALID_OPTION', () => {
    expect(() => makeSyntheticHeadModel({ kind: 'const', outputs: [{ name: 'o', dims: [1, 2], data: new Float32Array(3) }] })).toThrow(YoloeTrtError);
    expect(() => endToEndHeadSpec({ rows, maxDet: 2 })).toThrow(/exceed maxDet/);
    expect(() => makeSyntheticHeadModel({ kind: 'raw', nc: 3, hot: [{ anchor: 9000, classId: 0, score: 1 }] })).toThrow(/out of range/);
    expect(() => makeSyntheticHeadModel({ kind: 'raw', nc: 3, hot: [{ anchor: 1, classId: 0, score: 1 }, { anchor: 1, classId: 0, score: 0.5 }] })).toThrow(/given twice/);
  });
});

describe('synthetic prompt-free YOLOE raw head (4,585 classes)', () => {
  const hot = [
    { anchor: 0, classId: 0, score: 0.95 },
    { anchor: 8399, classId: 4584, score: 0.9 },
    { anchor: 4200, classId: 2000, score: 0.6 },
    { anchor: 4200, classId: 2001, score: 0.3 },
    { anchor: 6400, classId: 17, score: 0.26 },
    { anchor: 7000, classId: 3000, score: 0.25 }, // at conf 0.25 exactly: not a detection (strict >)
  ];
  const names = Array.from({ length: 4585 }, (_, i) => `class${i}`);

  it('computes [1, 4+4585, 8400] (154 MB) from a small graph, exactly as specified', async () => {
    const spec: RawHeadSpec = { kind: 'raw', nc: 4585, hot, metadata: { names: `{${names.map((n, i) => `${i}: '${n}'`).join(', ')}}`, imgsz: '[640, 640]', stride: '32', task: 'detect' } };
    const bytes = makeSyntheticHeadModel(spec);
    expect(bytes.length).toBeLessThan(1_000_000);
    const d = readModelDescription(bytes);
    expect(d.outputs).toEqual([{ name: 'output0', dtype: 'float32', dims: [1, 4589, 8400] }]);
    expect(parseUltralyticsMetadata(d.metadata).names).toHaveLength(4585);
    expect(readOnnx(bytes).graph!.node.map((n) => n.opType)).toEqual(['ReduceMean', 'Mul', 'Add', 'Tile', 'Slice', 'ScatterND', 'Concat']);

    const out = await runModel(bytes, [1, 3, 640, 640]);
    const data = out.output0!.data as Float32Array;
    expect(out.output0!.dims).toEqual([1, 4589, 8400]);
    const value = rawHeadValues(spec);
    let mismatches = 0;
    for (let c = 0; c < 4589; c++) for (let a = 0; a < 8400; a++) if (data[c * 8400 + a] !== value(c, a)) mismatches++;
    expect(mismatches).toBe(0);

    // the detections it plants: anchors whose best class score is > 0.25
    const found: [number, number, number][] = [];
    for (let a = 0; a < 8400; a++) {
      let best = -1;
      let cls = -1;
      for (let c = 0; c < 4585; c++) {
        const s = data[(4 + c) * 8400 + a]!;
        if (s > best) [best, cls] = [s, c];
      }
      if (best > 0.25) found.push([a, cls, best]);
    }
    expect(found).toEqual([
      [0, 0, Math.fround(0.95)],
      [4200, 2000, Math.fround(0.6)],
      [6400, 17, Math.fround(0.26)],
      [8399, 4584, Math.fround(0.9)],
    ]);
  });

  it('transposed [1, N, 4+nc+nm] with mask coefficients and protos', async () => {
    const spec: RawHeadSpec = { kind: 'raw', nc: 10, nm: 32, imgsz: [320, 256], hot: [{ anchor: 5, classId: 9, score: 0.8 }], transposed: true, protos: true };
    const out = await runModel(makeSyntheticHeadModel(spec), [1, 3, 320, 256]);
    const anchors = 40 * 32 + 20 * 16 + 10 * 8;
    expect(out.output0!.dims).toEqual([1, anchors, 46]);
    expect(out.output1!.dims).toEqual([1, 32, 80, 64]);
    const data = out.output0!.data as Float32Array;
    const value = rawHeadValues(spec);
    let mismatches = 0;
    for (let a = 0; a < anchors; a++) for (let c = 0; c < 46; c++) if (data[a * 46 + c] !== value(c, a)) mismatches++;
    expect(mismatches).toBe(0);
    expect(data[5 * 46 + 4 + 9]).toBe(Math.fround(0.8));
    expect(sameFloats(out.output1!.data as Float32Array, makeProtos(32, 80, 64))).toBe(0);
  });
});

describe('the synthetic test model set (test/synthetic/test-models.ts)', () => {
  it('writes four models that describe themselves and run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'yoloe-models-'));
    const paths = writeSyntheticTestModels(dir);
    expect(paths.map((p) => basename(p))).toEqual(['yolo26-e2e-det-640.onnx', 'yoloe26-e2e-seg-640.onnx', 'yolo-nms-seg-640.onnx', 'yoloe-pf-seg-4585-640.onnx']);
    const described = paths.map((p) => readModelDescription(p));
    expect(described.map((d) => d.outputs.map((o) => o.dims))).toEqual([
      [[1, 300, 6]],
      [[1, 300, 38], [1, 32, 160, 160]],
      [[1, 300, 38], [1, 32, 160, 160]],
      [[1, 4 + 4585 + 32, 8400], [1, 32, 160, 160]],
    ]);
    const metas = described.map((d) => parseUltralyticsMetadata(d.metadata));
    expect(metas.map((m) => [m.task, m.end2end, m.nms, m.names?.length])).toEqual([
      ['detect', true, false, 80],
      ['segment', true, false, 80],
      ['segment', false, true, 80],
      ['segment', false, false, 4585],
    ]);
    const out = await runModel(new Uint8Array(readFileSync(paths[3]!)), [1, 3, 640, 640]);
    const data = out.output0!.data as Float32Array;
    for (const h of PROMPT_FREE_HOT) expect(data[(4 + h.classId) * 8400 + h.anchor]).toBe(Math.fround(h.score));
    expect(out.output1!.dims).toEqual([1, 32, 160, 160]);
  });
});
