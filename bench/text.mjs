// Prompt -> class embedding latency on the CPU (tokenizer -> text encoder -> adapter), measured in
// one run: cold (a freshly loaded encoder's first call), uncached (warm sessions, prompts not yet
// seen) and cached (every prompt seen before), for K = 1 and K = 80 (the COCO names); and the
// tokenizer's throughput on the 1,881 golden strings. The fixture encoder is MobileCLIP-B's text
// architecture cut to 2 layers x 64 wide (random weights): a real MobileCLIP-B text encoder
// (12 x 512) costs more per prompt; the cache and tokenizer figures do not depend on it.
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadTextEncoder, tokenize } from '../dist/index.js';
import { fixture, percentile, table } from './util.mjs';

const ms = (v) => v.toFixed(3);

export async function benchText({ rounds = 5, iterations = 50 } = {}) {
  const onnx = fixture('yoloe', 'text-encoder_mobileclip-b-2layer_random.onnx');
  const adapter = fixture('yoloe', 'yoloe-v8n-seg_random-text_text-adapter.onnx');
  const vocab = fixture('clip', 'bpe_simple_vocab_16e6.txt.gz');
  const coco = JSON.parse(readFileSync(fixture('yoloe', 'text-reference', 'L2_coco80', 'prompts.json'), 'utf8'));
  const golden = JSON.parse(readFileSync(fixture('clip', 'tokenizer-golden.json'), 'utf8')).entries.map((e) => e.text);
  const sets = { 1: ['person'], 80: coco };

  const t0 = performance.now();
  tokenize(['warm'], { vocab }); // loads the BPE file (once per path)
  const vocabLoad = performance.now() - t0;

  const rows = [];
  for (const k of [1, 80]) {
    const cold = [];
    const load = [];
    const uncached = [];
    const cached = [];
    for (let r = 0; r < rounds; r++) {
      const a = performance.now();
      const te = await loadTextEncoder({ onnx, adapter, vocab });
      const b = performance.now();
      await te.embed(sets[k]);
      const c = performance.now();
      load.push(b - a);
      cold.push(c - b);
      for (let i = 0; i < iterations / rounds; i++) {
        te.clearCache();
        const d = performance.now();
        await te.embed(sets[k]);
        uncached.push(performance.now() - d);
        const e = performance.now();
        await te.embed(sets[k]);
        cached.push(performance.now() - e);
      }
      if (te.cacheStats.encoderRuns !== 1 + iterations / rounds) throw new Error('cached calls ran the encoder');
      await te.dispose();
    }
    const med = (v) => ms(percentile(v, 50));
    rows.push([`K=${k}`, med(load), med(cold), ms(Math.max(...cold)), med(uncached), ms(percentile(uncached, 90)), med(cached), ms(percentile(cached, 90))]);
  }
  table(
    `prompt -> embedding (ms, median over ${rounds} fresh encoders / ${iterations} calls; ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} cores)`,
    ['prompts', 'load both ONNX', 'cold 1st embed', 'cold max', 'uncached p50', 'uncached p90', 'cached p50', 'cached p90'],
    rows,
  );

  // Tokenizer: the first pass fills the BPE piece cache, later passes hit it.
  const passes = [];
  for (let i = 0; i < 6; i++) {
    const a = performance.now();
    tokenize(golden, { vocab });
    passes.push(performance.now() - a);
  }
  const perSec = (t) => Math.round((golden.length / t) * 1000).toLocaleString('en-US');
  table('tokenizer (1,881 golden strings per pass)', ['pass', 'ms', 'strings/s'], [
    ['BPE file load + parse', ms(vocabLoad), '-'],
    ['first (cold piece cache)', ms(passes[0]), perSec(passes[0])],
    ['warm (median of 5)', ms(percentile(passes.slice(1), 50)), perSec(percentile(passes.slice(1), 50))],
  ]);
}
