#!/usr/bin/env node
// Checks scripts/export-yoloe.py against the THU-MIG/yoloe fork, with random weights:
//   node scripts/check-export-yoloe.mjs --fork DIR [--python /usr/bin/python3] [--out DIR]
// 1. scripts/check-export-yoloe.py builds a random YOLOE-v8n-seg from the fork's yaml, exports the
//    run-time-vocabulary detector, the adapter and a random MobileCLIP text encoder with
//    export-yoloe.py, and writes torch references: the fork's own FUSED model (set_classes + fuse)
//    for K = 2, 80, 125 prompts, reprta + normalise, encode_text + normalise.
// 2. Here ONNX Runtime runs the exported files and compares; loadModel must read the detector as
//    a run-time vocabulary. Exits 1 on any mismatch. Needs `npm run build` (dist/) and, for the
//    fork, Debian's python3-torch and python3-onnx (huggingface_hub and timm are not in Debian:
//    put stand-ins on PYTHONPATH, see the README's "Text prompts" section).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadModel, readNpy } from '../dist/index.js';
import { CpuBackend } from '../dist/backends/cpu.js';

const { values } = parseArgs({ options: { fork: { type: 'string' }, python: { type: 'string' }, out: { type: 'string' } } });
if (!values.fork) {
  console.error('usage: node scripts/check-export-yoloe.mjs --fork THU-MIG/yoloe-source-dir [--python /usr/bin/python3] [--out DIR]');
  process.exit(2);
}
const out = values.out ?? mkdtempSync(join(tmpdir(), 'export-yoloe-check-'));
const py = spawnSync(values.python ?? '/usr/bin/python3', [join(import.meta.dirname, 'check-export-yoloe.py'), values.fork, out], { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' });
if (py.status !== 0) {
  console.error(py.stderr.split('\n').filter((l) => !/Warning|_C\._jit/.test(l)).slice(-20).join('\n'));
  process.exit(1);
}

const npy = (name) => readNpy(join(out, name));
const tensor = (a) => ({ dtype: a.dtype, dims: a.shape, data: a.data });
const maxDiff = (a, b, from = 0, to = a.length) => {
  let d = 0;
  for (let i = from; i < to; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const failures = [];
const check = (what, value, bound) => {
  const ok = value <= bound;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${value.toExponential(2)} (bound ${bound})`);
  if (!ok) failures.push(what);
};

const structure = JSON.parse(readFileSync(join(out, 'check.json'), 'utf8'));
const same = (what, got, want) => {
  const ok = JSON.stringify(got) === JSON.stringify(want);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}: ${JSON.stringify(got)}`);
  if (!ok) failures.push(what);
};
same('detector inputs', structure.inputs, { images: [1, 3, 320, 320], class_embeddings: [1, 'num_classes', 512] });
same('detector outputs', structure.outputs, { output0: [1, '4+num_classes+32', 2100], output1: [1, 32, 80, 80] });
same('one Einsum per level, no [*, *, 512] embedding constant', [structure.einsum, structure.embedding_constants], [3, 0]);

const detectorPath = join(out, 'random_runtime-vocab.onnx');
const model = await loadModel(detectorPath, { backend: 'cpu' });
same('loadModel vocabulary', model.info.vocabulary, { kind: 'runtime', embeddingsInput: 'class_embeddings', embedDim: 512, minClasses: 1, maxClasses: Infinity, textEncoder: 'random_text-encoder.onnx', textAdapter: 'random_text-adapter.onnx' });
await model.dispose();

const detector = await CpuBackend.create(detectorPath);
const image = npy('image.npy');
for (const k of [2, 80, 125]) {
  const got = await detector.run({ images: tensor(image), class_embeddings: tensor(npy(`emb_${k}.npy`)) });
  const want0 = npy(`fused_output0_${k}.npy`);
  const o0 = got.output0.data;
  same(`K=${k} output0 shape`, got.output0.dims, want0.shape);
  const n = 2100;
  // guards against a degenerate reference: scores that spread, so a wrong class product shows
  if (k === 80) check('K=80 fused reference: 1 - highest class score (must spread)', 1 - want0.data.subarray(4 * n, 84 * n).reduce((m, v) => Math.max(m, v), 0), 0.7);
  check(`K=${k} boxes vs the fork's fused model`, maxDiff(o0, want0.data, 0, 4 * n), 1e-2);
  check(`K=${k} class scores vs fused`, maxDiff(o0, want0.data, 4 * n, (4 + k) * n), 1e-4);
  check(`K=${k} mask coefficients vs fused`, maxDiff(o0, want0.data, (4 + k) * n, o0.length), 1e-3);
  check(`K=${k} protos vs fused`, maxDiff(got.output1.data, npy(`fused_output1_${k}.npy`).data), 1e-3);
}
await detector.dispose();

const adapter = await CpuBackend.create(join(out, 'random_text-adapter.onnx'));
const a = await adapter.run({ text_features: tensor(npy('features.npy')) });
check('adapter vs torch get_tpe', maxDiff(a.class_embeddings.data, npy('adapter_ref.npy').data), 1e-5);
await adapter.dispose();

const encoder = await CpuBackend.create(join(out, 'random_text-encoder.onnx'));
const e = await encoder.run({ tokens: tensor(npy('tokens.npy')) });
check('text encoder vs torch encode_text', maxDiff(e.text_features.data, npy('text_ref.npy').data), 1e-5);
const ref = npy('text_ref.npy').data;
check('text reference rows 0 and 2 differ (1 / max diff, a guard)', 1 / maxDiff(ref.subarray(0, 512), ref.subarray(1024, 1536)), 100);
await encoder.dispose();

console.log(`\n${failures.length === 0 ? 'export-yoloe.py: all checks passed' : `export-yoloe.py: ${failures.length} checks failed: ${failures.join('; ')}`} (torch ${structure.torch}, onnx ${structure.onnx}; files in ${out})`);
process.exit(failures.length === 0 ? 0 : 1);
