// Run-time vocabularies on the CPU, measured in one run:
// - detect latency (bus.jpg, letterbox + ORT + decode + masks) of the run-time-vocabulary YOLOE
//   fed K = 2, 80, 1203 class embeddings, against the fused graph (80 classes baked in);
// - prompt-free decode cost (decode only, TS and native kernels) on the real 4,585-class LRPC head
//   (bus.jpg, 392 anchors kept) and on a synthetic dense 640 head [1, 4621, 8400], at conf 0.25,
//   0.001 and 0.001 with multiLabel; with the peak RSS and the heap + ArrayBuffer growth of each.
import { cpus } from 'node:os';
import { loadModel } from '../dist/index.js';
import { decodeBatch, resolveDecodeOptions } from '../dist/decode/index.js';
import { decodeImage } from '../dist/image/decode.js';
import { preprocess } from '../dist/image/pack.js';
import { fixture, percentile, table } from './util.mjs';

const ms = (v) => v.toFixed(2);
const mib = (b) => (b / 2 ** 20).toFixed(1);

/** K unit vectors of width dim: e_0..e_{K-1} while K <= dim, then seeded random unit rows */
function embeddings(k, dim) {
  const data = new Float32Array(k * dim);
  let s = 7;
  const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
  for (let i = 0; i < k; i++) {
    if (i < dim) {
      data[i * dim + i] = 1;
      continue;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += (data[i * dim + j] = r()) ** 2;
    for (let j = 0; j < dim; j++) data[i * dim + j] /= Math.sqrt(norm);
  }
  return data;
}

async function timeRuns(fn, runs) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    times.push(performance.now() - t);
  }
  return times;
}

function memoryOf(fn) {
  const before = process.memoryUsage();
  const t = performance.now();
  const out = fn();
  const elapsed = performance.now() - t;
  const after = process.memoryUsage();
  return { out, elapsed, grown: after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers };
}

export async function benchVocab({ runs = 15 } = {}) {
  const image = await decodeImage(fixture('images', 'bus.jpg'));
  const runtime = await loadModel(fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_runtime-vocab_320.onnx'), { backend: 'cpu' });
  const fused = await loadModel(fixture('yoloe', 'yoloe-v8n-seg_from-yolov8n-seg_320.onnx'), { backend: 'cpu' });
  const rows = [];
  const fusedTimes = [];
  const rtTimes = { 2: [], 80: [], 1203: [] };
  const vocab = Object.fromEntries(Object.keys(rtTimes).map((k) => [k, { prompts: Array.from({ length: Number(k) }, (_, i) => `class ${i}`), embeddings: embeddings(Number(k), 512) }]));
  for (const k of Object.keys(rtTimes)) await runtime.detectDecoded([image], vocab[k]); // warm-up
  await fused.detectDecoded([image]);
  // interleaved rounds: the machine's load drifts alike for every variant
  for (let r = 0; r < runs; r++) {
    fusedTimes.push(...(await timeRuns(() => fused.detectDecoded([image]), 1)));
    for (const k of Object.keys(rtTimes)) rtTimes[k].push(...(await timeRuns(() => runtime.detectDecoded([image], vocab[k]), 1)));
  }
  const fusedMed = percentile(fusedTimes, 50);
  rows.push(['fused graph (80 baked in)', ms(fusedMed), ms(percentile(fusedTimes, 90)), '1.00']);
  for (const k of Object.keys(rtTimes)) {
    const med = percentile(rtTimes[k], 50);
    rows.push([`run-time vocabulary, K = ${k}`, ms(med), ms(percentile(rtTimes[k], 90)), (med / fusedMed).toFixed(2)]);
  }
  table(`detect latency, bus.jpg, yoloe-v8n-seg 320 (ms, ${runs} interleaved rounds; ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores)`, ['model', 'p50', 'p90', 'vs fused'], rows);
  await Promise.all([runtime.dispose(), fused.dispose()]);

  // prompt-free decode: the real LRPC head on bus.jpg, and a synthetic dense 640 head
  const pf = await loadModel(fixture('yoloe', 'yoloe-v8n-seg-pf_from-yolov8n-seg_320.onnx'), { backend: 'cpu' });
  const real = (await pf.infer([image])).outputs;
  const { geometries: g320 } = preprocess([image], 320, 320, 'float32');
  const nc = 4585;
  const n = 8400;
  const dense = new Float32Array((4 + nc + 32) * n);
  let s = 3;
  const r = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let a = 0; a < n; a++) {
    dense[a] = r() * 640;
    dense[n + a] = r() * 640;
    dense[2 * n + a] = 8 + r() * 100;
    dense[3 * n + a] = 8 + r() * 100;
  }
  // scores skewed low like a sigmoid head: ~1.6% above 0.001 and a few above 0.25
  for (let i = 4 * n; i < (4 + nc) * n; i++) dense[i] = r() ** 12;
  const synthetic = { output0: { dtype: 'float32', dims: [1, 4 + nc + 32, n], data: dense } };
  const { geometries: g640 } = preprocess([image], 640, 640, 'float32');
  const layout = { kind: 'raw', output: 'output0', nc, nm: 32, anchors: -1, transposed: false };
  const heads = [
    ['real LRPC head, bus.jpg [1, 4621, 392]', real, { ...pf.info.layout }, g320, true],
    ['synthetic dense [1, 4621, 8400]', synthetic, layout, g640, false],
  ];
  const decodeRows = [];
  for (const [name, outputs, headLayout, geometries, masks] of heads) {
    for (const o of [{ conf: 0.25 }, { conf: 0.001 }, { conf: 0.001, multiLabel: true }]) {
      for (const kernels of ['native', 'ts']) {
        if (kernels === 'ts') process.env.YOLOE_TRT_KERNELS = 'ts';
        else delete process.env.YOLOE_TRT_KERNELS;
        const opts = { ...resolveDecodeOptions(o), masks };
        decodeBatch(outputs, headLayout, geometries, pf.info.names, opts); // warm-up
        const times = [];
        let grown = 0;
        let count = 0;
        for (let i = 0; i < 5; i++) {
          const m = memoryOf(() => decodeBatch(outputs, headLayout, geometries, pf.info.names, opts));
          times.push(m.elapsed);
          grown = Math.max(grown, m.grown);
          count = m.out[0].detections.length;
        }
        decodeRows.push([name, JSON.stringify(o), kernels, ms(percentile(times, 50)), String(count), mib(grown), mib(process.resourceUsage().maxRSS * 1024)]);
      }
    }
  }
  delete process.env.YOLOE_TRT_KERNELS;
  table('prompt-free decode (ms, median of 5; masks on the real head only; MiB: heap + ArrayBuffer growth during one decode, process peak RSS so far)', ['head', 'options', 'kernels', 'p50', 'detections', 'grown MiB', 'peak RSS MiB'], decodeRows);
  await pf.dispose();
}
