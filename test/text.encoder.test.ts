import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { YoloeTrtError } from '../lib/errors.js';
import { makeModel, node, valueInfo, writeOnnx } from '../lib/onnx/index.js';
import { loadTextEncoder, readNpy, tokenize, type TextEncoder } from '../lib/text/index.js';
import { EmbeddingCache } from '../lib/text/embedding-cache.js';
import { fixture } from './fixtures.js';

const YOLOE = (name: string) => fixture('yoloe', name);
const ENCODER = () => YOLOE('text-encoder_mobileclip-b-2layer_random.onnx');
const ADAPTER = () => YOLOE('yoloe-v8n-seg_random-text_text-adapter.onnx');
const VOCAB = () => fixture('clip', 'bpe_simple_vocab_16e6.txt.gz');
const REF = (set: string, file: string) => YOLOE(join('text-reference', set, file));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

async function errorOf(p: Promise<unknown> | (() => unknown)): Promise<YoloeTrtError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    // by name: a test re-imports the modules (vi.resetModules), which makes a second class
    expect((e as Error).name).toBe('YoloeTrtError');
    return e as YoloeTrtError;
  }
  throw new Error('expected a YoloeTrtError');
}

let te: TextEncoder;
beforeAll(async () => {
  te = await loadTextEncoder({ onnx: ENCODER(), adapter: ADAPTER(), vocab: VOCAB() });
});
afterAll(async () => te?.dispose());

describe('text path vs the fork\'s Python pipeline (text-reference/)', () => {
  for (const set of ['L1_person-bus', 'L2_coco80']) {
    it(`${set}: token ids equal, text_features and class_embeddings within 1e-6`, async () => {
      const prompts = JSON.parse(readFileSync(REF(set, 'prompts.json'), 'utf8')) as string[];
      const tokens = readNpy(REF(set, 'tokens.npy'));
      expect(tokens.dtype).toBe('int64');
      expect(tokens.shape).toEqual([prompts.length, 77]);
      expect([...tokenize(prompts, { vocab: VOCAB() }).ids]).toEqual([...(tokens.data as BigInt64Array)]);

      const features = readNpy(REF(set, 'text_features.npy'));
      const embeddings = readNpy(REF(set, 'class_embeddings.npy'));
      expect(features.shape).toEqual([prompts.length, 512]);
      expect(embeddings.shape).toEqual([1, prompts.length, 512]);
      const f = await te.features(prompts);
      const e = await te.embed(prompts);
      expect([f.count, f.dim, e.count, e.dim]).toEqual([prompts.length, 512, prompts.length, 512]);
      const df = maxAbsDiff(f.data, features.data as Float32Array);
      const de = maxAbsDiff(e.data, embeddings.data as Float32Array);
      console.log(`${set}: max |diff| text_features ${df.toExponential(2)}, class_embeddings ${de.toExponential(2)}`);
      expect(df).toBeLessThan(1e-6);
      expect(de).toBeLessThan(1e-6);
    });
  }

  it('the adapter matters: embeddings without it are the encoder features, far from the reference', async () => {
    const plain = await loadTextEncoder({ onnx: ENCODER(), vocab: VOCAB() });
    try {
      expect(plain.dim).toBe(512);
      const e = await plain.embed(['person', 'bus']);
      const ref = readNpy(REF('L1_person-bus', 'class_embeddings.npy')).data as Float32Array;
      expect(maxAbsDiff(e.data, ref)).toBeGreaterThan(0.01);
      expect(maxAbsDiff(e.data, readNpy(REF('L1_person-bus', 'text_features.npy')).data as Float32Array)).toBeLessThan(1e-6);
    } finally {
      await plain.dispose();
    }
  });
});

describe('embedding cache', () => {
  it('a repeated prompt does not run the encoder; only uncached prompts are encoded, in one run', async () => {
    const enc = await loadTextEncoder({ onnx: ENCODER(), adapter: ADAPTER(), vocab: VOCAB() });
    try {
      const first = await enc.embed(['person', 'bus']);
      expect(enc.cacheStats).toMatchObject({ encoderRuns: 1, misses: 2, hits: 0, size: 2 });
      const again = await enc.embed(['bus', 'person']);
      expect(enc.cacheStats).toMatchObject({ encoderRuns: 1, hits: 2 });
      expect([...again.data.subarray(0, 512)]).toEqual([...first.data.subarray(512, 1024)]);
      const mixed = await enc.embed(['car', 'person', 'dog', 'car']);
      expect(enc.cacheStats).toMatchObject({ encoderRuns: 2, misses: 4, size: 4 });
      expect(mixed.count).toBe(4);
      expect([...mixed.data.subarray(0, 512)]).toEqual([...mixed.data.subarray(3 * 512)]);
      // cached rows equal freshly computed ones
      const fresh = await te.features(['car']);
      expect(fresh.count).toBe(1);
      const ref = await loadTextEncoder({ onnx: ENCODER(), adapter: ADAPTER(), cacheSize: 0 });
      try {
        expect(maxAbsDiff((await ref.embed(['dog'])).data, mixed.data.subarray(2 * 512, 3 * 512))).toBe(0);
      } finally {
        await ref.dispose();
      }
    } finally {
      await enc.dispose();
    }
  });

  it('is bounded: least recently used prompts go first; cacheSize 0 disables it', async () => {
    const enc = await loadTextEncoder({ onnx: ENCODER(), adapter: ADAPTER(), cacheSize: 2 });
    try {
      await enc.embed(['a', 'b']);
      await enc.embed(['a']); // a is now the most recent
      await enc.embed(['c']); // evicts b
      expect(enc.cacheStats).toMatchObject({ size: 2, capacity: 2, encoderRuns: 2 });
      await enc.embed(['a', 'c']);
      expect(enc.cacheStats.encoderRuns).toBe(2);
      await enc.embed(['b']);
      expect(enc.cacheStats.encoderRuns).toBe(3);
      enc.clearCache();
      await enc.embed(['a']);
      expect(enc.cacheStats).toMatchObject({ encoderRuns: 4, size: 1, hits: 0, misses: 1 });
    } finally {
      await enc.dispose();
    }
    const none = await loadTextEncoder({ onnx: ENCODER(), cacheSize: 0 });
    try {
      await none.embed(['a']);
      await none.embed(['a']);
      expect(none.cacheStats).toMatchObject({ size: 0, encoderRuns: 2 });
    } finally {
      await none.dispose();
    }
  });

  it('concurrent callers share one encoding of the same prompts and all get the right rows', async () => {
    const enc = await loadTextEncoder({ onnx: ENCODER(), adapter: ADAPTER() });
    try {
      const calls = [['person', 'bus'], ['bus', 'person'], ['person'], ['bus', 'bus', 'person'], ['person', 'bus']];
      const results = await Promise.all(calls.map((c) => enc.embed(c)));
      expect(enc.cacheStats.encoderRuns).toBe(1);
      const ref = readNpy(REF('L1_person-bus', 'class_embeddings.npy')).data as Float32Array;
      const row = { person: ref.subarray(0, 512), bus: ref.subarray(512, 1024) };
      results.forEach((r, k) => {
        calls[k]!.forEach((p, i) => expect(maxAbsDiff(r.data.subarray(i * 512, (i + 1) * 512), row[p as 'person' | 'bus'])).toBeLessThan(1e-6));
      });
    } finally {
      await enc.dispose();
    }
  });
});

describe('EmbeddingCache', () => {
  it('shares a pending computation, forgets a failed one, evicts the least recently used', async () => {
    const cache = new EmbeddingCache(2);
    let runs = 0;
    const fail = cache.compute(['x'], async () => {
      runs++;
      throw new Error('boom');
    });
    expect(cache.lookup('x')).toBe(fail[0]);
    await expect(fail[0]).rejects.toThrow('boom');
    expect(cache.lookup('x')).toBeUndefined();
    const ok = cache.compute(['x', 'y'], async () => {
      runs++;
      return [Float32Array.of(1), Float32Array.of(2)];
    });
    expect(await Promise.all(ok)).toEqual([Float32Array.of(1), Float32Array.of(2)]);
    expect(cache.lookup('x')).toEqual(Float32Array.of(1)); // x is now more recent than y
    await Promise.all(cache.compute(['z'], async () => [Float32Array.of(3)]));
    expect(cache.lookup('y')).toBeUndefined();
    expect(cache.size).toBe(2);
    expect(runs).toBe(2);
  });
});

describe('text encoder: bad input', () => {
  it('rejects bad prompts with ERR_INVALID_OPTION naming the value', async () => {
    expect((await errorOf(te.embed('person' as never))).message).toBe('Expected an array of strings for prompts but received "person"');
    expect((await errorOf(te.embed([]))).message).toMatch(/non-empty array of prompts for prompts/);
    expect((await errorOf(te.embed(['bus', '']))).message).toMatch(/for prompts\[1\] but received ""/);
    expect((await errorOf(te.embed(['  \t']))).message).toMatch(/prompts\[0\]/);
    expect((await errorOf(te.embed(['bus', 7 as never]))).message).toMatch(/a string for prompts\[1\] but received 7/);
    expect((await errorOf(te.features([null as never]))).code).toBe('ERR_INVALID_OPTION');
  });

  it('rejects bad options and missing files', async () => {
    expect((await errorOf(loadTextEncoder(undefined as never))).code).toBe('ERR_INVALID_OPTION');
    expect((await errorOf(loadTextEncoder({} as never))).message).toMatch(/options.onnx/);
    expect((await errorOf(loadTextEncoder({ onnx: '/nope/te.onnx' }))).message).toMatch(/^Text encoder not found: \/nope\/te.onnx/);
    expect((await errorOf(loadTextEncoder({ onnx: ENCODER(), adapter: '/nope/a.onnx' }))).code).toBe('ERR_FILE_NOT_FOUND');
    expect((await errorOf(loadTextEncoder({ onnx: ENCODER(), threads: 0 }))).message).toMatch(/options.threads/);
    expect((await errorOf(loadTextEncoder({ onnx: ENCODER(), cacheSize: -1 }))).message).toMatch(/options.cacheSize/);
    expect((await errorOf(loadTextEncoder({ onnx: ENCODER(), vocab: '/nope/bpe.txt.gz' }))).code).toBe('ERR_FILE_NOT_FOUND');
  });

  it('refuses a wrong model as encoder or adapter with ERR_MODEL_LAYOUT', async () => {
    const det = await errorOf(loadTextEncoder({ onnx: YOLOE('yoloe-v8n-seg_random-text_runtime-vocab_320.onnx') }));
    expect(det.code).toBe('ERR_MODEL_LAYOUT');
    expect(det.message).toMatch(/Expected a text encoder with one int64 input tokens \[N, 77\].*images float32 \[1, 3, 320, 320\], class_embeddings/);
    const swapped = await errorOf(loadTextEncoder({ onnx: ENCODER(), adapter: ENCODER() }));
    expect(swapped.code).toBe('ERR_MODEL_LAYOUT');
    expect(swapped.message).toMatch(/Expected a text adapter/);
    const asEncoder = await errorOf(loadTextEncoder({ onnx: ADAPTER() }));
    expect(asEncoder.message).toMatch(/Expected a text encoder.*text_features float32/);

    const dir = mkdtempSync(join(tmpdir(), 'yoloe-text-'));
    const narrow = join(dir, 'adapter-256.onnx');
    writeFileSync(narrow, writeOnnx(makeModel({
      inputs: [valueInfo('text_features', 'float32', ['n', 256])],
      outputs: [valueInfo('class_embeddings', 'float32', ['n', 256])],
      nodes: [node('Identity', ['text_features'], ['class_embeddings'])],
    })));
    const mismatch = await errorOf(loadTextEncoder({ onnx: ENCODER(), adapter: narrow }));
    expect(mismatch.code).toBe('ERR_MODEL_LAYOUT');
    expect(mismatch.message).toMatch(/takes text_features float32 \["n", 256\] but the text encoder .* gives text_features float32 \[.*, 512\]/);
  });

  it('embed after dispose is ERR_DISPOSED', async () => {
    const enc = await loadTextEncoder({ onnx: ENCODER() });
    await enc.dispose();
    await enc.dispose();
    expect((await errorOf(enc.embed(['bus']))).code).toBe('ERR_DISPOSED');
  });
});

describe('vocab discovery', () => {
  it('without a vocab passed before, looks beside the encoder and names where it looked', async () => {
    vi.resetModules();
    const fresh = await import('../lib/text/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'yoloe-text-'));
    const link = join(dir, 'te.onnx');
    symlinkSync(ENCODER(), link);
    const missing = await errorOf(fresh.loadTextEncoder({ onnx: link }));
    expect(missing.code).toBe('ERR_FILE_NOT_FOUND');
    expect(missing.message).toContain(join(dir, 'bpe_simple_vocab_16e6.txt.gz'));
    expect((await errorOf(() => fresh.tokenize(['bus']))).message).toMatch(/No CLIP BPE vocabulary: pass options.vocab/);
    symlinkSync(VOCAB(), join(dir, 'bpe_simple_vocab_16e6.txt.gz'));
    const enc = await fresh.loadTextEncoder({ onnx: link });
    try {
      expect((await enc.embed(['bus'])).count).toBe(1);
      // ... and the vocab found is now the default of tokenize
      expect([...fresh.tokenize(['bus'], { dtype: 'int32' }).ids].slice(0, 3)).toEqual([49406, 2840, 49407]);
    } finally {
      await enc.dispose();
    }
  });
});
