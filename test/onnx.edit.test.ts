import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import {
  DataType,
  addIntermediateOutputs,
  convertToFp16,
  toHalfArrayClamped,
  fromHalfArray,
  listNodes,
  loadOnnxFile,
  makeModel,
  node,
  initializer,
  readModelDescription,
  valueInfo,
  writeOnnx,
  type OnnxModel,
} from '../lib/onnx/index.js';
import { YoloeTrtError } from '../lib/errors.js';
import { IMAGES, MODELS } from './fixtures.js';

/** bus.jpg stretched to 640 x 640, CHW / 255: real activations, not noise. */
async function busTensor(): Promise<Float32Array> {
  const { data } = await sharp(IMAGES.bus()).resize(640, 640, { fit: 'fill' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const out = new Float32Array(3 * 640 * 640);
  for (let i = 0; i < 640 * 640; i++) for (let c = 0; c < 3; c++) out[c * 640 * 640 + i] = data[i * 3 + c]! / 255;
  return out;
}

async function run(model: OnnxModel | Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, ort.Tensor>> {
  const bytes = model instanceof Uint8Array ? model : writeOnnx(model);
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = await session.run(feeds);
  await session.release();
  return out;
}

function opCounts(model: OnnxModel): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of model.graph!.node) counts[n.opType!] = (counts[n.opType!] ?? 0) + 1;
  return counts;
}

/** anchors whose best class score is above conf, as "anchor:class" */
function detections(output0: Float32Array, conf = 0.25): Set<string> {
  const found = new Set<string>();
  for (let a = 0; a < 8400; a++) {
    let best = 0;
    let cls = -1;
    for (let c = 0; c < 80; c++) {
      const s = output0[(4 + c) * 8400 + a]!;
      if (s > best) [best, cls] = [s, c];
    }
    if (best > conf) found.add(`${a}:${cls}`);
  }
  return found;
}

describe('listNodes and addIntermediateOutputs', () => {
  it('lists nodes by op type and name pattern', () => {
    const model = loadOnnxFile(MODELS.det640());
    expect(listNodes(model, { opTypes: ['Conv'] })).toHaveLength(64);
    expect(listNodes(model, { opTypes: ['Resize'] })).toHaveLength(2);
    const head = listNodes(model, { opTypes: ['Conv'], namePattern: /model\.22/ });
    expect(head.length).toBeGreaterThan(0);
    expect(head.every((n) => n.name!.includes('model.22') && n.opType === 'Conv')).toBe(true);
    expect(listNodes(model, { namePattern: 'model.22' }).length).toBeGreaterThan(head.length);
    expect(listNodes(model)).toHaveLength(model.graph!.node.length);
  });

  it('exposes the first Conv output of det640 and ONNX Runtime returns it with its shape', async () => {
    const model = loadOnnxFile(MODELS.det640());
    const firstConv = listNodes(model, { opTypes: ['Conv'] })[0]!;
    const lastConv = listNodes(model, { opTypes: ['Conv'] }).at(-1)!;
    const names = [firstConv.output[0]!, lastConv.output[0]!, 'output0'];
    const edited = addIntermediateOutputs(model, names);
    expect(model.graph!.output).toHaveLength(1); // the input model is not changed
    expect(edited.graph!.output.map((o) => o.name)).toEqual(['output0', firstConv.output[0], lastConv.output[0]]);
    expect(readModelDescription(writeOnnx(edited)).outputs[1]).toMatchObject({ dtype: 'float32' });
    const input = await busTensor();
    const out = await run(edited, { images: new ort.Tensor('float32', input, [1, 3, 640, 640]) });
    expect(out[firstConv.output[0]!]!.dims).toEqual([1, 16, 320, 320]);
    expect(out[lastConv.output[0]!]!.dims.length).toBe(4);
    expect(out.output0!.dims).toEqual([1, 84, 8400]);
    const act = out[firstConv.output[0]!]!.data as Float32Array;
    expect(act.some((v) => v !== 0)).toBe(true);
  });

  it('refuses names no node produces', () => {
    const model = loadOnnxFile(MODELS.det640());
    expect(() => addIntermediateOutputs(model, ['no_such_tensor'])).toThrow(/Expected names of tensors produced by nodes/);
    expect(() => addIntermediateOutputs(model, 'x' as unknown as string[])).toThrow(YoloeTrtError);
  });
});

describe('FP16 conversion', () => {
  it('det640 in fp16 runs in ONNX Runtime (CPU) with outputs close to fp32', async () => {
    const model = loadOnnxFile(MODELS.det640());
    const fp16 = convertToFp16(model);
    const graph = fp16.graph!;
    // every float weight is fp16 except the Resize scales, which ONNX types as float32
    const floatInits = graph.initializer.filter((t) => t.dataType === DataType.FLOAT).map((t) => t.name);
    const resizeScales = listNodes(fp16, { opTypes: ['Resize'] }).map((n) => n.input[2]);
    expect(floatInits.sort()).toEqual([...new Set(resizeScales)].sort());
    expect(graph.initializer.filter((t) => t.dataType === DataType.FLOAT16).length).toBeGreaterThan(100);
    // fp32 at the edges: one Cast in, one Cast out
    expect(opCounts(fp16).Cast).toBe(2);
    expect(readModelDescription(writeOnnx(fp16)).inputs[0]!.dtype).toBe('float32');
    expect(readModelDescription(writeOnnx(fp16)).outputs[0]).toEqual({ name: 'output0', dtype: 'float32', dims: [1, 84, 8400] });
    const bytes = writeOnnx(fp16);
    console.log(`fp16 det640: ${bytes.length} bytes (fp32: ${writeOnnx(model).length})`);

    const input = await busTensor();
    const feeds = { images: new ort.Tensor('float32', input, [1, 3, 640, 640]) };
    const a = (await run(model, feeds)).output0!.data as Float32Array;
    const b = (await run(bytes, feeds)).output0!.data as Float32Array;
    let boxDiff = 0;
    let scoreDiff = 0;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (i < 4 * 8400) boxDiff = Math.max(boxDiff, d);
      else scoreDiff = Math.max(scoreDiff, d);
    }
    const da = detections(a);
    const db = detections(b);
    const common = [...da].filter((k) => db.has(k)).length;
    // boxes of the anchors that detect something (low-score anchors may have ambiguous DFL boxes)
    let detectedBoxDiff = 0;
    for (const key of da) {
      const anchor = Number(key.split(':')[0]);
      for (let c = 0; c < 4; c++) detectedBoxDiff = Math.max(detectedBoxDiff, Math.abs(a[c * 8400 + anchor]! - b[c * 8400 + anchor]!));
    }
    console.log(
      `fp16 vs fp32 on bus.jpg: max |diff| of output0 ${Math.max(boxDiff, scoreDiff).toFixed(4)} (boxes ${boxDiff.toFixed(4)} px, ` +
        `boxes of detecting anchors ${detectedBoxDiff.toFixed(4)} px, scores ${scoreDiff.toFixed(5)}); anchors > 0.25: fp32 ${da.size}, fp16 ${db.size}, common ${common}`,
    );
    expect(detectedBoxDiff).toBeLessThan(1.5);
    expect(boxDiff).toBeLessThan(16);
    expect(scoreDiff).toBeLessThan(0.02);
    expect(common).toBeGreaterThanOrEqual(da.size * 0.95);
  });

  it('blocked ops stay fp32 between Casts and the model still runs', async () => {
    const model = loadOnnxFile(MODELS.det640());
    const fp16 = convertToFp16(model, { blockOps: ['Resize', 'Softmax'] });
    const counts = opCounts(fp16);
    // each blocked op gets a Cast on its float input and on its output, plus the two edge Casts
    expect(counts.Cast).toBe(2 + 2 * 2 + 2 * 1);
    for (const n of listNodes(fp16, { opTypes: ['Resize', 'Softmax'] })) expect(n.input[0]).toMatch(/_to_fp32$/);
    const input = await busTensor();
    const out = await run(fp16, { images: new ort.Tensor('float32', input, [1, 3, 640, 640]) });
    expect(out.output0!.dims).toEqual([1, 84, 8400]);
  });

  it('keepIoTypes: false gives fp16 inputs and outputs', async () => {
    const model = makeModel({
      inputs: [valueInfo('images', 'float32', [1, 4])],
      outputs: [valueInfo('y', 'float32', [1, 4]), valueInfo('n', 'int64', [2])],
      nodes: [node('Mul', ['images', 'w'], ['m']), node('Cast', ['m'], ['c'], { to: DataType.FLOAT }), node('Add', ['c', 'big'], ['y']), node('Shape', ['y'], ['n'])],
      initializers: [initializer('w', 'float32', [4], [1, 2, 3, 4]), initializer('big', 'float32', [4], [1e6, 0, 0, 0])],
    });
    const fp16 = convertToFp16(model, { keepIoTypes: false });
    const d = readModelDescription(writeOnnx(fp16));
    expect(d.inputs[0]!.dtype).toBe('float16');
    expect(d.outputs.map((o) => o.dtype)).toEqual(['float16', 'int64']);
    expect(opCounts(fp16).Cast).toBe(1); // only the model's own Cast, now to FLOAT16
    const x = toHalfArrayClamped([0.5, 1, 1.5, 2]);
    const out = await run(fp16, { images: new ort.Tensor('float16', x, [1, 4]) });
    const y = fromHalfArray(out.y!.data as Uint16Array);
    expect(Array.from(y)).toEqual([65504, 2, 4.5, 8]); // 1e6 was clamped to the fp16 maximum
    expect(Array.from(out.n!.data as BigInt64Array)).toEqual([1n, 4n]);
  });

  it('quantized models convert without breaking: Q/DQ, QLinear* and *Integer ops stay fp32', async () => {
    for (const [path, size] of [[MODELS.broken(), 640], [MODELS.seg320int8(), 320]] as const) {
      const model = loadOnnxFile(path);
      const fp16 = convertToFp16(model);
      const input = new Float32Array(3 * size * size).fill(0.5);
      const out = await run(fp16, { images: new ort.Tensor('float32', input, [1, 3, size, size]) });
      expect(out.output0!.type).toBe('float32');
      expect(out.output0!.dims[0]).toBe(1);
      const quantized = listNodes(fp16, { opTypes: ['QLinearConv', 'ConvInteger', 'DynamicQuantizeLinear', 'QuantizeLinear', 'DequantizeLinear'] });
      expect(quantized.length).toBeGreaterThan(0);
    }
  });
});
