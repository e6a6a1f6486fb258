// `npm run bench [-- <name>]`: every benchmark, each printing ratios measured within the same run.
//   pipeline  per-stage CPU latency, (pre + post) / inference, native and TypeScript kernels
//   native    each native kernel against its TypeScript twin
//   quantize  INT8 (cpu target) vs FP32 on coco128: mAP, latency ratio, size ratio (minutes)
//   text      prompt -> embedding latency (cold, uncached, cached; K = 1, 80) and tokenizer throughput
//   vocab     run-time vocabulary detect latency (K = 2, 80, 1203 vs the fused graph), prompt-free decode cost and memory
//   stream    1080p H.264 -> results: fps with and without tracking, time share per stage
//   stream-live [seconds]  a live source faster than the model for 10 minutes: memory, drops, latency (only when named)
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { benchPipeline } from './pipeline.mjs';

const benches = {
  pipeline: () => benchPipeline(),
  native: () => {
    const r = spawnSync(process.execPath, [join(import.meta.dirname, 'native-vs-ts.mjs')], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('bench native failed');
  },
  quantize: async () => (await import('./quantize.mjs')).benchQuantize(),
  text: async () => (await import('./text.mjs')).benchText(),
  vocab: async () => (await import('./vocab.mjs')).benchVocab(),
  stream: async () => (await import('./stream.mjs')).benchStream(),
  'stream-live': async () => (await import('./stream.mjs')).benchStreamLive(Number(process.argv[3] ?? 600)),
};
const explicitOnly = new Set(['stream-live']);
const only = process.argv[2];
if (only && !benches[only]) throw new Error(`unknown bench ${only}: one of ${Object.keys(benches).join(', ')}`);
for (const [name, run] of Object.entries(benches)) {
  if ((only && only !== name) || (!only && explicitOnly.has(name))) continue;
  console.log(`\n=== bench ${name}`);
  await run();
}
