// GPU candidate compaction (the decode kernel, emulated on the host) on real heads: ONNX Runtime
// computes yolov8n-seg's (and the prompt-free YOLOE's data-dependent) head on lib/image's CPU
// letterbox, the fake engine returns it (plan `data`), and the compacted candidates must equal
// lib/decode's CPU scan of the same head (scanRawHead without the maxNms cap): same boxes,
// scores, classes, anchors and order; the coefficient block must be the head's rows 4 + nc ...
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeCompactRequest, NativeEngineHandle, NativeImageRun } from '../../binding-tensorrt.js';
import { scanRawHead } from '../../lib/decode/candidates.js';
import { fromHalfArray, toHalfArray } from '../../lib/image/fp16.js';
import { IMAGES, MODELS, fixture } from '../fixtures.js';
import { binding, violations, writePlan } from './double.js';
import { dataFile, imageBatch, letterboxed, onnxOutputs, useFakeKernels, type Letterboxed } from './gpu.js';

useFakeKernels(true);
const trt = binding();
const SIZE = 320;
const NC = 80;
const NM = 32;
const CHANNELS = 4 + NC + NM;
const ANCHORS = 2100;

let images: Letterboxed[];
let head: Float32Array; // [2, 116, 2100]: bus, zidane
let protos: Float32Array; // [2, 32, 80, 80]

beforeAll(async () => {
  images = [await letterboxed(IMAGES.bus(), SIZE), await letterboxed(IMAGES.zidane(), SIZE)];
  const out = await onnxOutputs(MODELS.seg320(), images, SIZE);
  expect(out.output0.dims).toEqual([2, CHANNELS, ANCHORS]);
  head = out.output0.data;
  protos = out.output1.data;
});

function segPlan(dtype: 'float32' | 'float16', values: Float32Array | Uint16Array): string {
  return writePlan(
    [
      { name: 'images', io: 'input', dims: [2, 3, SIZE, SIZE] },
      { name: 'output0', io: 'output', dtype, dims: [2, CHANNELS, ANCHORS] },
      { name: 'output1', io: 'output', dims: [2, NM, 80, 80] },
    ],
    `data output0 ${dataFile(values)}\ndata output1 ${dataFile(protos)}\n`,
  );
}

async function run(plan: string, request: NativeCompactRequest, batch = images): Promise<NativeImageRun> {
  const handle: NativeEngineHandle = await trt.loadEngine(plan);
  try {
    return await trt.inferImages(handle, imageBatch(batch, SIZE, { compact: request }));
  } finally {
    trt.releaseEngine(handle);
  }
}

/** The compacted candidates of image b as lib/decode's Candidate objects. */
function compactedOf(r: NativeImageRun, b: number) {
  const c = r.compacted!;
  const start = c.counts.slice(0, b).reduce((n, k) => n + k, 0);
  return Array.from({ length: c.counts[b] }, (_, i) => {
    const k = start + i;
    const [x1, y1, x2, y2, score] = c.boxes.subarray(k * 5, k * 5 + 5);
    return { x1, y1, x2, y2, score, classId: c.classIds[k], index: c.indices[k] };
  });
}

function cpuScan(values: Float32Array, b: number, request: NativeCompactRequest, channels = CHANNELS, anchors = ANCHORS) {
  return scanRawHead(values, b, channels, anchors, request.nc, {
    conf: request.conf, multiLabel: request.multiLabel, classes: request.classes, maxNms: Number.MAX_SAFE_INTEGER, iou: 0.7, maxDet: 300, agnostic: false,
  }, false);
}

function coefficientRows(values: Float32Array, batch: number, nc: number, nm: number, anchors: number): Float32Array {
  const channels = 4 + nc + nm;
  const out = new Float32Array(batch * nm * anchors);
  for (let b = 0; b < batch; b++) out.set(values.subarray((b * channels + 4 + nc) * anchors, (b * channels + channels) * anchors), b * nm * anchors);
  return out;
}

/** Bitwise equality of two float arrays; on failure the first differing element (a diff of 100k floats takes minutes). */
function expectSameFloats(got: Float32Array | undefined, expected: Float32Array): void {
  expect(got?.length).toBe(expected.length);
  const a = new Uint32Array(got!.buffer, got!.byteOffset, got!.length);
  const b = new Uint32Array(expected.buffer, expected.byteOffset, expected.length);
  const first = a.findIndex((v, i) => v !== b[i]);
  expect(first === -1 ? 'equal' : `element ${first}: ${got![first]} instead of ${expected[first]}`).toBe('equal');
}

const base: NativeCompactRequest = { output: 'output0', nc: NC, nm: NM, conf: 0.25, multiLabel: false, capacity: ANCHORS };

describe('GPU compaction equals the CPU scan of the same head', () => {
  const cases: [string, Partial<NativeCompactRequest>][] = [
    ['single label', {}],
    ['multi-label, conf 0.05', { multiLabel: true, conf: 0.05, capacity: 20000 }],
    // tens of thousands of candidates, many per anchor: the (index, classId) order must not rest on a stable sort
    ['multi-label, conf 0.0005', { multiLabel: true, conf: 0.0005, capacity: 200000 }],
    ['single label, classes [5, 27] (bus, tie), conf 0.1', { classes: [5, 27], conf: 0.1 }],
    ['multi-label, classes [2, 0] (order given does not matter)', { multiLabel: true, conf: 0.01, classes: [2, 0], capacity: 20000 }],
  ];
  for (const [name, change] of cases) {
    it(name, async () => {
      const request = { ...base, ...change };
      const r = await run(segPlan('float32', head), request);
      expect(r.compacted).toBeDefined();
      expect(r.compacted!.output).toBe('output0');
      expect(r.compacted!.anchors).toBe(ANCHORS);
      // only the protos came back as a tensor, unchanged
      expect(r.outputs.map((o) => o.name)).toEqual(['output1']);
      expect(Buffer.from((r.outputs[0].data as Float32Array).buffer).equals(Buffer.from(protos.buffer))).toBe(true);
      for (let b = 0; b < 2; b++) {
        const expected = cpuScan(head, b, request);
        expect(expected.length).toBeGreaterThan(0); // the case tests something
        expect(compactedOf(r, b)).toEqual(expected);
      }
      expectSameFloats(r.compacted!.coefficients, coefficientRows(head, 2, NC, NM, ANCHORS));
      expect(violations()).toEqual([]);
    });
  }

  it('an fp16 head: the scan of its widened values, the coefficients widened', async () => {
    const half = toHalfArray(head);
    const widened = fromHalfArray(half);
    const r = await run(segPlan('float16', half), { ...base, multiLabel: true, conf: 0.1, capacity: 20000 });
    for (let b = 0; b < 2; b++) expect(compactedOf(r, b)).toEqual(cpuScan(widened, b, { ...base, multiLabel: true, conf: 0.1 }));
    expectSameFloats(r.compacted!.coefficients, coefficientRows(widened, 2, NC, NM, ANCHORS));
  });

  it('over capacity: the whole head comes back instead, exact', async () => {
    const counts = [0, 1].map((b) => cpuScan(head, b, base).length);
    const most = Math.max(...counts);
    const fits = await run(segPlan('float32', head), { ...base, capacity: most });
    expect(fits.compacted?.counts).toEqual(counts);
    const over = await run(segPlan('float32', head), { ...base, capacity: most - 1 });
    expect(over.compacted).toBeUndefined();
    expect(over.outputs.map((o) => o.name)).toEqual(['output0', 'output1']);
    expect(over.outputs[0].dims).toEqual([2, CHANNELS, ANCHORS]);
    expect(Buffer.from((over.outputs[0].data as Float32Array).buffer).equals(Buffer.from(head.buffer))).toBe(true);
  });

  it('an integrated GPU (zero-copy: the head is read in place)', async () => {
    process.env.YOLOE_FAKE_INTEGRATED = '1';
    try {
      const handle = await trt.loadEngine(segPlan('float32', head));
      try {
        expect(trt.engineInfo(handle).zeroCopy).toBe(true);
        const r = await trt.inferImages(handle, imageBatch(images, SIZE, { compact: base }));
        for (let b = 0; b < 2; b++) expect(compactedOf(r, b)).toEqual(cpuScan(head, b, base));
        expectSameFloats(r.compacted!.coefficients, coefficientRows(head, 2, NC, NM, ANCHORS));
        expect(r.outputs.map((o) => o.name)).toEqual(['output1']);
      } finally {
        trt.releaseEngine(handle);
      }
    } finally {
      delete process.env.YOLOE_FAKE_INTEGRATED;
    }
    expect(violations()).toEqual([]);
  });

  it('concurrent runs on a dynamic-batch engine: each slot compacts with its own buffers', async () => {
    const plan = writePlan(
      [
        { name: 'images', io: 'input', dims: [-1, 3, SIZE, SIZE], min: [1, 3, SIZE, SIZE], opt: [2, 3, SIZE, SIZE], max: [4, 3, SIZE, SIZE] },
        { name: 'output0', io: 'output', dims: [-1, CHANNELS, ANCHORS] },
        { name: 'output1', io: 'output', dims: [-1, NM, 80, 80] },
      ],
      `data output0 ${dataFile(head)}\ndata output1 ${dataFile(protos)}\n`,
    );
    const requests: NativeCompactRequest[] = [
      base,
      { ...base, multiLabel: true, conf: 0.05, capacity: 20000 },
      { ...base, classes: [5, 27], conf: 0.1 },
      { ...base, multiLabel: true, conf: 0.01, classes: [2, 0], capacity: 20000 },
    ];
    process.env.YOLOE_FAKE_ENQUEUE_MS = '30'; // the runs overlap on the two slots
    const handle = await trt.loadEngine(plan, { maxContexts: 2 });
    try {
      const runs = await Promise.all(requests.map((request) => trt.inferImages(handle, imageBatch(images, SIZE, { compact: request }))));
      runs.forEach((r, i) => {
        for (let b = 0; b < 2; b++) expect(compactedOf(r, b)).toEqual(cpuScan(head, b, requests[i]));
        expectSameFloats(r.compacted!.coefficients, coefficientRows(head, 2, NC, NM, ANCHORS));
      });
      expect(trt.engineInfo(handle).stats.contexts).toBe(2);
    } finally {
      delete process.env.YOLOE_FAKE_ENQUEUE_MS;
      trt.releaseEngine(handle);
    }
    expect(violations()).toEqual([]);
  });

  it('a detection head (nm 0) has no coefficient block', async () => {
    const det = new Float32Array(2 * (4 + NC) * ANCHORS);
    for (let b = 0; b < 2; b++) det.set(head.subarray(b * CHANNELS * ANCHORS, (b * CHANNELS + 4 + NC) * ANCHORS), b * (4 + NC) * ANCHORS);
    const plan = writePlan(
      [
        { name: 'images', io: 'input', dims: [2, 3, SIZE, SIZE] },
        { name: 'output0', io: 'output', dims: [2, 4 + NC, ANCHORS] },
      ],
      `data output0 ${dataFile(det)}\n`,
    );
    const r = await run(plan, { ...base, nm: 0 });
    expect(r.outputs).toEqual([]);
    expect(r.compacted!.coefficients).toBeUndefined();
    for (let b = 0; b < 2; b++) expect(compactedOf(r, b)).toEqual(cpuScan(det, b, { ...base, nm: 0 }, 4 + NC));
  });
});

describe('a data-dependent head (prompt-free YOLOE, output0 [1, 4621, N])', () => {
  it('is compacted with the run\'s N', async () => {
    const bus = [images[0]];
    const out = await onnxOutputs(fixture('yoloe', 'yoloe-v8n-seg-pf_from-yolov8n-seg_320.onnx'), bus, SIZE);
    const [, channels, anchors] = out.output0.dims;
    expect(channels).toBe(4621);
    const plan = writePlan(
      [
        { name: 'images', io: 'input', dims: [1, 3, SIZE, SIZE] },
        { name: 'output0', io: 'output', dims: [1, 4621, -2] },
        { name: 'output1', io: 'output', dims: [1, 32, 80, 80] },
      ],
      `data output0 ${dataFile(out.output0.data)}\ndata output1 ${dataFile(out.output1.data)}\n`,
    );
    const request = { ...base, nc: 4585, capacity: anchors };
    const r = await run(plan, request, bus);
    expect(r.compacted!.anchors).toBe(anchors);
    const expected = cpuScan(out.output0.data, 0, request, channels, anchors);
    expect(expected.length).toBeGreaterThan(0);
    expect(compactedOf(r, 0)).toEqual(expected);
    expectSameFloats(r.compacted!.coefficients, coefficientRows(out.output0.data, 1, 4585, NM, anchors));
    expect(violations()).toEqual([]);
  });
});

describe('bad compaction requests are typed errors', () => {
  let handle: NativeEngineHandle;
  beforeAll(async () => {
    handle = await trt.loadEngine(segPlan('float32', head));
  });
  const bad: [string, Partial<NativeCompactRequest> & Record<string, unknown>, string, string | RegExp][] = [
    ['nc 0', { nc: 0 }, 'ERR_INVALID_OPTION', /^Expected an integer between 1 and 1048576 for compact.nc but received 0/],
    ['nm -1', { nm: -1 }, 'ERR_INVALID_OPTION', /for compact.nm but received -1/],
    ['capacity 0', { capacity: 0 }, 'ERR_INVALID_OPTION', /^Expected an integer between 1 and 4194304 for compact.capacity but received 0/],
    ['capacity 2.5', { capacity: 2.5 }, 'ERR_INVALID_OPTION', /for compact.capacity but received 2.5/],
    ['conf NaN', { conf: Number.NaN }, 'ERR_INVALID_OPTION', /^Expected a finite number for compact.conf but received NaN/],
    ['multiLabel missing', { multiLabel: undefined }, 'ERR_INVALID_OPTION', /^Expected a boolean for compact.multiLabel/],
    ['class 80 of 80', { classes: [80] }, 'ERR_INVALID_OPTION', /^Expected class ids between 0 and 79 for compact.classes but received 80/],
    ['class 1.5', { classes: [1.5] }, 'ERR_INVALID_OPTION', /for compact.classes but received 1.5/],
    ['unknown output', { output: 'output9' }, 'ERR_SHAPE', "The engine has no output named 'output9' (compact.output)"],
    ['an input as output', { output: 'images' }, 'ERR_SHAPE', "The engine has no output named 'images' (compact.output)"],
    ['channels != 4 + nc + nm', { nc: 79 }, 'ERR_SHAPE', /needs a raw \[B, 4 \+ nc \+ nm, N\] = \[B, 115, N\] head \(not transposed\); 'output0' is \[2, 116, 2100\]/],
    ['the protos', { output: 'output1' }, 'ERR_SHAPE', /'output1' is \[2, 32, 80, 80\]/],
  ];
  for (const [name, change, code, message] of bad) {
    it(name, async () => {
      const error = await (async () => trt.inferImages(handle, imageBatch(images, SIZE, { compact: { ...base, ...change } as NativeCompactRequest })))().catch((e) => e);
      expect(error).toMatchObject({ code, message: typeof message === 'string' ? message : expect.stringMatching(message) });
    });
  }

  it('a transposed [B, N, C] head is refused', async () => {
    const plan = writePlan([
      { name: 'images', io: 'input', dims: [1, 3, SIZE, SIZE] },
      { name: 'output0', io: 'output', dims: [1, ANCHORS, 4 + NC] },
    ]);
    const h = await trt.loadEngine(plan);
    const error = await trt.inferImages(h, imageBatch([images[0]], SIZE, { compact: { ...base, nm: 0 } })).catch((e) => e);
    expect(error).toMatchObject({ code: 'ERR_SHAPE', message: expect.stringContaining("(not transposed); 'output0' is [1, 2100, 84]") });
    trt.releaseEngine(h);
  });
});
