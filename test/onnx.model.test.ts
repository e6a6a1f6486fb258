import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import {
  DataType,
  loadOnnxFile,
  makeTensor,
  readModelDescription,
  readOnnx,
  readOnnxMetadata,
  tensorToFloat32,
  writeOnnx,
  makeModel,
  node,
  valueInfo,
  initializer,
  ProtoWriter,
} from '../lib/onnx/index.js';
import { YoloeTrtError } from '../lib/errors.js';
import { MODELS } from './fixtures.js';

const ALL = ['det640', 'seg320', 'seg320int8', 'broken'] as const;
const tmp = mkdtempSync(join(tmpdir(), 'yoloe-onnx-'));

function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(YoloeTrtError);
    return (e as YoloeTrtError).code;
  }
  return undefined;
}

/** The model as plain data, typed arrays replaced by their type, length and digest (deep-equal on MBs is slow). */
function structure(value: unknown): unknown {
  if (ArrayBuffer.isView(value)) {
    const bytes = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    return `${value.constructor.name}:${bytes.length}:${createHash('sha1').update(bytes).digest('hex')}`;
  }
  if (Array.isArray(value)) return value.map(structure);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, structure(v)]));
  return value;
}

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

describe('ONNX round trip on the real fixture models', () => {
  for (const key of ALL) {
    it(`${key}: writeOnnx(readOnnx(bytes)) is byte-identical to the file`, () => {
      const bytes = fileBytes(MODELS[key]());
      const out = writeOnnx(readOnnx(bytes));
      expect(out.length).toBe(bytes.length);
      expect(firstDifference(out, bytes)).toBe(-1);
    });
  }

  it('readOnnx(writeOnnx(readOnnx(bytes))) is structurally equal for all four models', () => {
    for (const key of ALL) {
      const first = loadOnnxFile(MODELS[key]());
      const second = readOnnx(writeOnnx(first));
      expect(structure(second), key).toEqual(structure(first));
    }
  });

  it('an edited model re-encodes to a file ONNX Runtime runs with identical outputs', async () => {
    const model = loadOnnxFile(MODELS.seg320());
    const edited = { ...model, metadataProps: [...model.metadataProps, { key: 'edited_by', value: 'yoloe-trt' }] };
    const input = new Float32Array(3 * 320 * 320).map((_, i) => ((i * 7919) % 255) / 255);
    const run = async (bytes: Uint8Array) => {
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const result = await session.run({ images: new ort.Tensor('float32', input, [1, 3, 320, 320]) });
      await session.release();
      return [result.output0!.data as Float32Array, result.output1!.data as Float32Array];
    };
    const [a0, a1] = await run(fileBytes(MODELS.seg320()));
    const editedBytes = writeOnnx(edited);
    const [b0, b1] = await run(editedBytes);
    expect(b0.length).toBe(a0.length);
    expect(b1.length).toBe(a1.length);
    expect(Buffer.from(b0.buffer, b0.byteOffset, b0.byteLength).equals(Buffer.from(a0.buffer, a0.byteOffset, a0.byteLength))).toBe(true);
    expect(Buffer.from(b1.buffer, b1.byteOffset, b1.byteLength).equals(Buffer.from(a1.buffer, a1.byteOffset, a1.byteLength))).toBe(true);
    expect(readModelDescription(editedBytes).metadata.edited_by).toBe('yoloe-trt');
  });

  it('keeps unknown fields, in field-number order, through decode and encode', () => {
    const base = writeOnnx(
      makeModel({
        inputs: [valueInfo('x', 'float32', [1])],
        outputs: [valueInfo('y', 'float32', [1])],
        nodes: [node('Relu', ['x'], ['y'])],
      }),
    );
    // append ModelProto.functions (25) and an unassigned field 99 that we do not model
    const w = new ProtoWriter();
    w.raw(base);
    w.bytesField(25, Uint8Array.of(0x0a, 0x01, 0x66));
    w.int64Field(99, -3);
    const bytes = w.finish();
    const model = readOnnx(bytes);
    expect(model.unknown?.map((u) => u.field)).toEqual([25, 99]);
    expect(firstDifference(writeOnnx(model), bytes)).toBe(-1);
  });

  it('loads a 13 MB model without copying its weights', () => {
    const start = performance.now();
    const model = loadOnnxFile(MODELS.seg320());
    const ms = performance.now() - start;
    const conv = model.graph!.initializer.find((t) => t.rawData && t.rawData.length > 10000)!;
    // every raw_data is a view into the single file buffer
    expect(conv.rawData!.buffer.byteLength).toBeGreaterThanOrEqual(13_000_000);
    console.log(`loadOnnxFile(seg320, 13.7 MB): ${ms.toFixed(1)} ms`);
  });
});

describe('model description', () => {
  it('describes det640: images [1,3,640,640] -> output0 [1,84,8400]', () => {
    const d = readModelDescription(MODELS.det640());
    expect(d.inputs).toEqual([{ name: 'images', dtype: 'float32', dims: [1, 3, 640, 640] }]);
    expect(d.outputs).toEqual([{ name: 'output0', dtype: 'float32', dims: [1, 84, 8400] }]);
    expect(d.opsetVersion).toBe(17);
    expect(d.producer).toBe('pytorch 2.0.1');
    expect(d.metadata.task).toBe('detect');
    expect(d.metadata.stride).toBe('32');
  });

  it('describes seg320 from bytes: two outputs', () => {
    const d = readModelDescription(fileBytes(MODELS.seg320()));
    expect(d.inputs).toEqual([{ name: 'images', dtype: 'float32', dims: [1, 3, 320, 320] }]);
    expect(d.outputs).toEqual([
      { name: 'output0', dtype: 'float32', dims: [1, 116, 2100] },
      { name: 'output1', dtype: 'float32', dims: [1, 32, 80, 80] },
    ]);
    expect(d.opsetVersion).toBe(20);
  });

  it('excludes initializers listed as inputs and reports symbolic and unknown dims', () => {
    const model = makeModel({
      inputs: [valueInfo('images', 'float16', ['batch', 3, 'h', 'w']), valueInfo('w', 'float32', [1])],
      outputs: [valueInfo('y', 'float16')],
      nodes: [node('Identity', ['images'], ['y'])],
      initializers: [initializer('w', 'float32', [1], [2])],
    });
    model.graph!.output[0]!.type!.tensorType!.shape = { dim: [{ dimValue: 1 }, {}] };
    const d = readModelDescription(writeOnnx(model));
    expect(d.inputs).toEqual([{ name: 'images', dtype: 'float16', dims: ['batch', 3, 'h', 'w'] }]);
    expect(d.outputs).toEqual([{ name: 'y', dtype: 'float16', dims: [1, '?'] }]);
  });

  it('reads metadata alone without decoding the graph (readOnnxMetadata)', async () => {
    const meta = await readOnnxMetadata(MODELS.seg320());
    expect(meta.task).toBe('segment');
    expect(meta.imgsz).toBe('[320, 320]');
    expect(meta).toEqual(readModelDescription(MODELS.seg320()).metadata);
    await expect(readOnnxMetadata(join(tmp, 'missing.onnx'))).rejects.toMatchObject({ code: 'ERR_FILE_NOT_FOUND' });
    const text = join(tmp, 'meta-text.onnx');
    writeFileSync(text, 'not a model at all\n');
    await expect(readOnnxMetadata(text)).rejects.toMatchObject({ code: 'ERR_MODEL_FORMAT' });
  });
});

describe('bad model files', () => {
  it('a missing file is ERR_FILE_NOT_FOUND, a directory ERR_NOT_A_FILE', () => {
    expect(codeOf(() => loadOnnxFile(join(tmp, 'nope.onnx')))).toBe('ERR_FILE_NOT_FOUND');
    expect(codeOf(() => loadOnnxFile(tmp))).toBe('ERR_NOT_A_FILE');
    expect(codeOf(() => readModelDescription(join(tmp, 'nope.onnx')))).toBe('ERR_FILE_NOT_FOUND');
  });

  it('text, empty, truncated and corrupt files are ERR_MODEL_FORMAT with a clear message', () => {
    const bytes = fileBytes(MODELS.det640());
    const files: Record<string, Uint8Array> = {
      'text.onnx': new TextEncoder().encode('# This is a README, not a model\nhello world\n'),
      'json.onnx': new TextEncoder().encode('{"names": {"0": "person"}}'),
      'empty.onnx': new Uint8Array(0),
      'truncated.onnx': bytes.subarray(0, bytes.length >> 1),
      'header-only.onnx': bytes.subarray(0, 64),
    };
    // corrupt: the real model with bytes scrambled in the middle of the graph
    const corrupt = bytes.slice();
    let seed = 12345;
    for (let i = 1000; i < 3000; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      corrupt[i] = seed >>> 24;
    }
    files['corrupt.onnx'] = corrupt;
    for (const [name, content] of Object.entries(files)) {
      const path = join(tmp, name);
      writeFileSync(path, content);
      let error: YoloeTrtError | undefined;
      try {
        loadOnnxFile(path);
      } catch (e) {
        error = e as YoloeTrtError;
      }
      expect(error, name).toBeInstanceOf(YoloeTrtError);
      expect(error!.code, name).toBe('ERR_MODEL_FORMAT');
      expect(error!.message, name).toMatch(/^Not a readable ONNX model \(.*\): /);
    }
  });

  it('refuses tensors stored in external data files', () => {
    const model = makeModel({
      inputs: [valueInfo('x', 'float32', [1])],
      outputs: [valueInfo('y', 'float32', [1])],
      nodes: [node('Add', ['x', 'w'], ['y'])],
      initializers: [initializer('w', 'float32', [1], [1])],
    });
    const w = model.graph!.initializer[0]!;
    delete w.rawData;
    w.dataLocation = 1;
    w.externalData = [{ key: 'location', value: 'weights.bin' }];
    expect(() => readOnnx(writeOnnx(model))).toThrow(/external data file, which is not supported/);
  });
});

describe('tensors', () => {
  it('reads float initializers of the real model the same from raw_data and from float_data', () => {
    const model = loadOnnxFile(MODELS.det640());
    const weight = model.graph!.initializer.find((t) => t.dataType === DataType.FLOAT && t.dims.length === 4)!;
    const values = tensorToFloat32(weight);
    expect(values.length).toBe(weight.dims.reduce<number>((a, d) => a * Number(d), 1));
    const viaFloatData = { ...weight, rawData: undefined, floatData: values.slice() };
    const reread = readOnnx(writeOnnx({ ...model, graph: { ...model.graph!, initializer: [viaFloatData] } }));
    expect(tensorToFloat32(reread.graph!.initializer[0]!)).toEqual(values);
    expect(values.some((v) => v !== 0)).toBe(true);
  });

  it('reads int64 shape constants of the real model', () => {
    const model = loadOnnxFile(MODELS.det640());
    const shapes = model.graph!.initializer.filter((t) => t.dataType === DataType.INT64);
    expect(shapes.length).toBeGreaterThan(0);
    let negative = 0;
    for (const t of shapes) {
      // reference: the platform's own little-endian int64 decoding of the stored bytes
      const raw = t.rawData!;
      const expected = Array.from(new BigInt64Array(raw.slice().buffer), Number);
      expect(Array.from(tensorToFloat32(t)), t.name).toEqual(expected);
      negative += expected.filter((v) => v < 0).length;
    }
    expect(negative).toBeGreaterThan(0); // Reshape's -1: the sign extension is exercised
  });

  it('makeTensor and tensorToFloat32 agree for every dtype, raw and typed storage', () => {
    const cases = [
      makeTensor('f', 'float32', [2, 2], [1.5, -2, 0, 3]),
      makeTensor('h', 'float16', [4], Uint16Array.of(0x3e00, 0xc000, 0, 0x4200)),
      makeTensor('i8', 'int8', [4], [1.5, -2, 0, 3].map(Math.trunc)),
      makeTensor('u8', 'uint8', [4], [1, 2, 0, 3]),
      makeTensor('i32', 'int32', [4], [1, -2, 0, 3]),
      makeTensor('i64', 'int64', [4], BigInt64Array.of(1n, -2n, 0n, 3n)),
    ];
    const expected = [[1.5, -2, 0, 3], [1.5, -2, 0, 3], [1, -2, 0, 3], [1, 2, 0, 3], [1, -2, 0, 3], [1, -2, 0, 3]];
    cases.forEach((t, i) => expect(Array.from(tensorToFloat32(t))).toEqual(expected[i]));
    // typed-field storage: int32_data carries int8 values and float16 bits
    const typed = { ...cases[1]!, rawData: undefined, int32Data: [0x3e00, 0xc000, 0, 0x4200] };
    expect(Array.from(tensorToFloat32(typed))).toEqual([1.5, -2, 0, 3]);
    const int64 = { ...cases[5]!, rawData: undefined, int64Data: [1, -2, 0, 3] };
    expect(Array.from(tensorToFloat32(int64))).toEqual([1, -2, 0, 3]);
    expect(() => makeTensor('bad', 'float32', [3], [1, 2])).toThrow(/2 values but dims \[3\] need 3/);
    expect(() => tensorToFloat32({ ...cases[0]!, dims: [5] })).toThrow(YoloeTrtError);
  });
});
