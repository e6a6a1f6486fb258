// Native addon vs TypeScript, per pipeline stage, measured in one run on real data:
// bus.jpg letterboxed to 640 (float32 and fp16), the [1, 84, 8400] head of yolov8n on it
// (candidate scan at conf 0.25 and at the val-mode 0.001), NMS on those candidates, and the
// masks of yolov8n-seg (320) on bus.jpg. Prints the median (and the native minimum, the
// steadier number on a shared machine) ms of each path and the ratio of the medians TS/native.
//   npm run bench:native     (builds dist/ first; needs the addon and the shared fixtures)
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { assembleMasksCompact } from '../dist/decode/masks.js';
import { scanRawHead } from '../dist/decode/candidates.js';
import { nms } from '../dist/decode/nms.js';
import { resolveDecodeOptions } from '../dist/decode/options.js';
import { decodeImage } from '../dist/image/decode.js';
import { letterboxGeometry } from '../dist/image/letterbox.js';
import { letterboxInto } from '../dist/image/pack.js';
import { loadAddon } from '../dist/native/addon.js';
import {
  nativeAssembleMasksCompact,
  nativeLetterboxInto,
  nativeNms,
  nativeScanRawHead,
} from '../dist/native/kernels.js';

const fixtures = process.env.YOLOE_TRT_FIXTURES ?? join(import.meta.dirname, '..', '..', 'shared', 'fixtures');
const need = (p) => {
  const f = join(fixtures, p);
  if (!existsSync(f)) throw new Error(`fixture missing: ${f} (set YOLOE_TRT_FIXTURES)`);
  return f;
};

const addon = loadAddon();
if (!addon.binding) throw new Error(addon.error);

function timings(fn, minMs = 400, minRuns = 7) {
  for (let i = 0; i < 2; i++) fn(); // warm-up (JIT, lookup tables)
  const times = [];
  const t0 = performance.now();
  while (times.length < minRuns || performance.now() - t0 < minMs) {
    const s = performance.now();
    fn();
    times.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  return { min: times[0], median: times[Math.floor(times.length / 2)] };
}

const rows = [];
function stage(name, tsFn, nativeFn) {
  const ts = timings(tsFn);
  const nat = timings(nativeFn);
  rows.push({ stage: name, ts: ts.median, nat: nat.median, natMin: nat.min });
}

async function session(file) {
  return ort.InferenceSession.create(file, { intraOpNumThreads: 2, executionMode: 'sequential', extra: { session: { intra_op: { allow_spinning: '0' } } } });
}

const img = await decodeImage(need('images/bus.jpg'));

// ---- letterbox + pack
const g640 = letterboxGeometry(img.width, img.height, 640, 640);
const t32 = new Float32Array(3 * 640 * 640);
const t16 = new Uint16Array(3 * 640 * 640);
stage('letterbox+pack f32 810x1080->640', () => letterboxInto(img, g640, t32), () => nativeLetterboxInto(img, g640, t32));
stage('letterbox+pack f16 810x1080->640', () => letterboxInto(img, g640, t16), () => nativeLetterboxInto(img, g640, t16));

// ---- detect head of yolov8n on bus.jpg
letterboxInto(img, g640, t32);
const det = await session(need('models/yolov8n_640_fp32.onnx'));
const head = (await det.run({ images: new ort.Tensor('float32', t32, [1, 3, 640, 640]) })).output0.data;
for (const conf of [0.25, 0.001]) {
  const opts = resolveDecodeOptions({ conf });
  const cands = scanRawHead(head, 0, 84, 8400, 80, opts, false);
  stage(`scan [1,84,8400] conf ${conf} (${cands.length} cands)`, () => scanRawHead(head, 0, 84, 8400, 80, opts, false), () => nativeScanRawHead(head, 0, 84, 8400, 80, opts, false));
  const kept = nms(cands, opts);
  stage(`NMS ${cands.length} -> ${kept.length}`, () => nms(cands, opts), () => nativeNms(cands, opts));
}
await det.release();

// ---- masks of yolov8n-seg 320 on bus.jpg
const g320 = letterboxGeometry(img.width, img.height, 320, 320);
const s32 = new Float32Array(3 * 320 * 320);
letterboxInto(img, g320, s32);
const seg = await session(need('models/yolov8n-seg_320_fp32.onnx'));
const out = await seg.run({ images: new ort.Tensor('float32', s32, [1, 3, 320, 320]) });
await seg.release();
const segHead = out.output0.data;
const protos = out.output1.data;
const opts = resolveDecodeOptions({});
const dets = nms(scanRawHead(segHead, 0, 116, 2100, 80, opts, false), opts);
const boxes = new Float32Array(4 * dets.length);
const coeffs = new Float32Array(32 * dets.length);
dets.forEach((d, i) => {
  boxes.set([d.x1, d.y1, d.x2, d.y2], 4 * i);
  for (let k = 0; k < 32; k++) coeffs[32 * i + k] = segHead[(84 + k) * 2100 + d.index];
});
for (const retina of [false, true]) {
  stage(`masks ${dets.length} dets, protos 80x80 -> 810x1080${retina ? ' retina' : ''}`,
    () => assembleMasksCompact(protos, 32, 80, 80, coeffs, boxes, g320, { retina }),
    () => nativeAssembleMasksCompact(protos, 32, 80, 80, coeffs, boxes, g320, { retina }));
}

console.log(`native addon: ${addon.path} (${addon.source}); node ${process.version}; ${process.arch}`);
console.log('stage'.padEnd(48), 'TS ms'.padStart(9), 'native ms'.padStart(10), 'native min'.padStart(11), 'TS/native'.padStart(10), ' faster');
for (const r of rows) {
  const ratio = r.ts / r.nat;
  console.log(r.stage.padEnd(48), r.ts.toFixed(3).padStart(9), r.nat.toFixed(3).padStart(10), r.natMin.toFixed(3).padStart(11), ratio.toFixed(2).padStart(10), ratio > 1.1 ? ' native' : ratio < 0.9 ? ' TS' : ' same');
}
