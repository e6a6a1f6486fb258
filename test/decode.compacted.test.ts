import { beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../lib/backends/cpu.js';
import { RegionMask, decodeBatch, detectLayout, resolveDecodeOptions, type DecodeBatchOptions } from '../lib/decode/index.js';
import { decodeImage } from '../lib/image/decode.js';
import { preprocess } from '../lib/image/pack.js';
import type { CompactRequest, CompactedHead, HeadLayout, LetterboxGeometry, Tensor } from '../lib/types.js';
import { referenceCompact } from './compaction-reference.js';
import { IMAGES, MODELS } from './fixtures.js';
import { comparableResults, stackBatch } from './results-digest.js';

/**
 * Decoding the candidates the GPU compacts (TensorRT's decode kernel) must give exactly what
 * decoding the whole head gives: real yolov8n / yolov8n-seg heads (ONNX Runtime on bus.jpg and
 * zidane.jpg, one batch of two), compacted here by an independent reference loop.
 */
interface RealHeads {
  outputs: Record<string, Tensor>;
  geometries: LetterboxGeometry[];
  layout: HeadLayout;
  names: string[];
}

/** Runs each image alone (the fixtures have batch 1) and stacks the outputs into one batch of two. */
async function realHeads(model: string, size: number): Promise<RealHeads> {
  const backend = await CpuBackend.create(model, { threads: 1 });
  try {
    const images = await Promise.all([IMAGES.bus(), IMAGES.zidane()].map((p) => decodeImage(p)));
    const runs = [];
    const geometries: LetterboxGeometry[] = [];
    for (const image of images) {
      const { tensor, geometries: [g] } = preprocess([image], size, size, 'float32');
      runs.push(await backend.run({ [backend.inputs[0]!.name]: tensor }));
      geometries.push(g!);
    }
    const outputs = stackBatch(runs);
    const layout = detectLayout(backend.outputs, { namesCount: 80 });
    return { outputs, geometries, layout, names: Array.from({ length: 80 }, (_, i) => `c${i}`) };
  } finally {
    await backend.dispose();
  }
}

function requestFor(layout: HeadLayout, opts: DecodeBatchOptions, capacity = 1 << 30): CompactRequest {
  if (layout.kind !== 'raw') throw new Error('raw heads only');
  return { output: layout.output, nc: layout.nc, nm: layout.nm, conf: opts.conf, multiLabel: opts.multiLabel, ...(opts.classes && { classes: opts.classes }), capacity };
}

/** The outputs a compacted run brings back: everything but the head. */
function withoutHead(outputs: Record<string, Tensor>, layout: HeadLayout): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(outputs).filter(([name]) => name !== layout.output));
}

/** Decodes the full head and its compaction; asserts they are identical and returns both. */
function compareDecodes(heads: RealHeads, options: Record<string, unknown>) {
  const { outputs, geometries, layout, names } = heads;
  const opts: DecodeBatchOptions = { ...resolveDecodeOptions(options), ...('masks' in options && { masks: options.masks as boolean }), ...('retina' in options && { retina: options.retina as boolean }) };
  const full = decodeBatch(outputs, layout, geometries, names, opts);
  const compacted = referenceCompact(outputs[layout.output]!, requestFor(layout, opts))!;
  const fromCompacted = decodeBatch(withoutHead(outputs, layout), layout, geometries, names, opts, compacted);
  expect(comparableResults(fromCompacted)).toEqual(comparableResults(full));
  return { full, compacted, fromCompacted };
}

let det: RealHeads;
let seg: RealHeads;
beforeAll(async () => {
  det = await realHeads(MODELS.det640(), 640);
  seg = await realHeads(MODELS.seg320(), 320);
}, 60_000);

describe('compacted candidates decode to the full head\'s results (yolov8n 640, batch of two)', () => {
  it('default options: the same detections on both images', () => {
    const { full, compacted } = compareDecodes(det, {});
    expect(full.map((r) => r.detections.length)).toEqual([5, 3]); // bus: 4 people + the bus; zidane: 2 people + a tie
    expect(compacted.counts).toHaveLength(2);
  });

  it('conf 0.001: hundreds of candidates per image', () => {
    const { compacted, full } = compareDecodes(det, { conf: 0.001 });
    expect(Math.min(...compacted.counts)).toBeGreaterThan(500);
    expect(full[0]!.detections.length).toBeGreaterThan(100);
  });

  it('multiLabel at conf 0.001 with maxNms below the count: the cap acts, as on the full head', () => {
    const { compacted, full } = compareDecodes(det, { conf: 0.001, multiLabel: true, maxNms: 700 });
    expect(Math.min(...compacted.counts)).toBeGreaterThan(700);
    // without the cap the detections differ: the cap is what makes the two equal
    const uncapped = decodeBatch(det.outputs, det.layout, det.geometries, det.names, resolveDecodeOptions({ conf: 0.001, multiLabel: true, maxNms: 262_144 }));
    expect(comparableResults(uncapped)).not.toEqual(comparableResults(full));
  });

  it('a single-label cap below the count', () => {
    const { compacted } = compareDecodes(det, { conf: 0.01, maxNms: 50 });
    expect(Math.min(...compacted.counts)).toBeGreaterThan(50);
  });

  it('the classes filter, single- and multi-label, and agnostic NMS', () => {
    const single = compareDecodes(det, { conf: 0.05, classes: [0, 5, 27] });
    expect(new Set(single.full.flatMap((r) => r.detections.map((d) => d.classId)))).toEqual(new Set([0, 5, 27]));
    compareDecodes(det, { conf: 0.05, classes: [0, 5, 27], multiLabel: true });
    compareDecodes(det, { conf: 0.05, agnostic: true, multiLabel: true });
  });

  it('a non-finite box is dropped after the cap, as on the full head', () => {
    const head = det.outputs.output0!;
    const data = Float32Array.from(head.data as Float32Array);
    const N = head.dims[2]!;
    const C = head.dims[1]!;
    const [first] = decodeBatch(det.outputs, det.layout, det.geometries, det.names, resolveDecodeOptions({}));
    // the anchor of image 0's best candidate: its cx becomes NaN
    const top = referenceCompact(head, requestFor(det.layout, resolveDecodeOptions({})))!;
    const best = Array.from({ length: top.counts[0]! }, (_, i) => i).reduce((a, i) => (top.boxes[5 * i + 4]! > top.boxes[5 * a + 4]! ? i : a), 0);
    data[0 * C * N + 0 * N + top.indices[best]!] = Number.NaN;
    const broken: RealHeads = { ...det, outputs: { output0: { ...head, data } } };
    const { full } = compareDecodes(broken, { maxNms: 5 });
    expect(full[0]!.stats).toEqual({ nonFinite: 1 });
    // the cap took five, one was NaN: four candidates entered NMS
    expect(full[0]!.detections.length).toBeLessThanOrEqual(4);
    expect(full[0]!.detections[0]!.score).toBeLessThan(first!.detections[0]!.score);
    // a cap of one keeps only the NaN box: nothing is left for image 0 (dropping first would keep the runner-up)
    const { full: one } = compareDecodes(broken, { maxNms: 1 });
    expect(one[0]!.detections).toEqual([]);
    expect(one[1]!.detections).toHaveLength(1);
    compareDecodes(broken, {});
  });
});

describe('compacted candidates of a segmentation head (yolov8n-seg 320, batch of two): masks from the coefficient block', () => {
  it('the same detections and masks, retina or not', () => {
    const { full } = compareDecodes(seg, {});
    expect(full.every((r) => r.detections.length > 2 && r.detections.every((d) => d.mask instanceof RegionMask))).toBe(true);
    compareDecodes(seg, { retina: true, maxDet: 20 });
    compareDecodes(seg, { conf: 0.01, multiLabel: true, maxNms: 200, maxDet: 30 });
  });

  it('a non-finite mask coefficient drops its candidate on image 1, the same way', () => {
    const head = seg.outputs.output0!;
    const data = Float32Array.from(head.data as Float32Array);
    const [, C, N] = head.dims as [number, number, number];
    const top = referenceCompact(head, requestFor(seg.layout, resolveDecodeOptions({})))!;
    const offset = top.counts[0]!;
    const best = Array.from({ length: top.counts[1]! }, (_, i) => offset + i).reduce((a, i) => (top.boxes[5 * i + 4]! > top.boxes[5 * a + 4]! ? i : a), offset);
    // coefficient 7 of that anchor, in image 1's rows
    data[(1 * C + 4 + 80 + 7) * N + top.indices[best]!] = Number.POSITIVE_INFINITY;
    const broken: RealHeads = { ...seg, outputs: { ...seg.outputs, output0: { ...head, data } } };
    const { full } = compareDecodes(broken, {});
    expect(full[1]!.stats).toEqual({ nonFinite: 1 });
    expect(full[0]!.stats).toBeUndefined();
  });

  it('without masks the coefficient block is not needed', () => {
    const opts = { ...resolveDecodeOptions({}), masks: false };
    const compacted = referenceCompact(seg.outputs.output0!, requestFor(seg.layout, opts))!;
    delete compacted.coefficients;
    const full = decodeBatch(seg.outputs, seg.layout, seg.geometries, seg.names, opts);
    expect(decodeBatch(withoutHead(seg.outputs, seg.layout), seg.layout, seg.geometries, seg.names, opts, compacted)).toEqual(full);
  });
});

describe('compacted candidates that do not fit are ERR_SHAPE, never garbage', () => {
  const opts = resolveDecodeOptions({});
  const good = (): CompactedHead => referenceCompact(seg.outputs.output0!, requestFor(seg.layout, opts))!;
  const decode = (c: CompactedHead, layout: HeadLayout = seg.layout) => decodeBatch(withoutHead(seg.outputs, seg.layout), layout, seg.geometries, seg.names, opts, c);

  it.each([
    ['an anchor index past N', (c: CompactedHead) => void (c.indices[0] = c.anchors), /candidate 0 has anchor 2100 \(of 2100\)/],
    ['a class id past nc', (c: CompactedHead) => void (c.classIds[1] = 80), /candidate 1 has anchor \d+ \(of 2100\) and class 80 \(of 80\)/],
    ['counts for one image of two', (c: CompactedHead) => void (c.counts = c.counts.slice(0, 1)), /counts for 1 images, expected at least 2/],
    ['fewer boxes than the counts', (c: CompactedHead) => void (c.boxes = c.boxes.subarray(5)), /candidates but/],
    ['no coefficient block for masks', (c: CompactedHead) => void delete c.coefficients, /0 mask coefficients, expected 2 x 32 x 2100/],
  ] as const)('%s', (_, breakIt, message) => {
    const c = good();
    breakIt(c);
    expect(() => decode(c)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringMatching(message) }));
  });

  it('compaction of a transposed or another head', () => {
    const c = good();
    expect(() => decode(c, { ...(seg.layout as Extract<HeadLayout, { kind: 'raw' }>), transposed: true })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => decode({ ...c, output: 'output1' })).toThrow(expect.objectContaining({ code: 'ERR_SHAPE', message: expect.stringContaining('do not match the head output0') }));
  });
});
