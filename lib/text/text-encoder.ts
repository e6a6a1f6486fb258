import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CpuBackend } from '../backends/cpu.js';
import { YoloeTrtError, invalidOption } from '../errors.js';
import type { Tensor, TensorInfo } from '../types.js';
import { checkKnownKeys, optNumber, optObject, optString } from '../validate.js';
import { BpeVocab, CLIP_VOCAB_FILE, loadBpeVocab } from './bpe-vocab.js';
import { EmbeddingCache } from './embedding-cache.js';
import { checkTexts, cleanText, lastVocabUsed, rememberVocab, tokenizeWith } from './tokenizer.js';
import type { ClassEmbeddings, TextEmbedder } from './types.js';

export interface LoadTextEncoderOptions {
  /** text encoder ONNX (`tokens` int64 [N, 77] -> `text_features` [N, D]), e.g. MobileCLIP's, exported by the user */
  onnx: string;
  /** the detector's text adapter ONNX (`text_features` [N, D] -> `class_embeddings` [N, D]); default: none, `embed` returns the encoder's features */
  adapter?: string;
  /** CLIP BPE file; default: the one passed last (to tokenize or loadTextEncoder), else `bpe_simple_vocab_16e6.txt.gz` beside the encoder */
  vocab?: string;
  /** ONNX Runtime intra-op threads for each session; default: ONNX Runtime's choice */
  threads?: number;
  /** prompts whose embeddings are kept (least recently used ones go first); default 4096, 0 disables the cache */
  cacheSize?: number;
}

export interface TextEncoderCacheStats {
  /** prompts cached now */
  size: number;
  capacity: number;
  /** prompts answered from the cache (or from a computation already in flight) */
  hits: number;
  /** prompts that had to be encoded */
  misses: number;
  /** text encoder runs so far */
  encoderRuns: number;
}

/** Prompts -> class embeddings on the CPU (ONNX Runtime), with a bounded prompt cache. */
export interface TextEncoder extends TextEmbedder {
  /** rows of `embed`: the adapter's output dim, else the encoder's */
  readonly dim: number;
  /** tokens per prompt the encoder takes (77 for CLIP) */
  readonly contextLength: number;
  /** the raw text encoder features of the prompts (no adapter, not cached) */
  features(prompts: readonly string[]): Promise<ClassEmbeddings>;
  readonly cacheStats: TextEncoderCacheStats;
  clearCache(): void;
}

/** Prompts to embed: strings with some text left after CLIP's cleaning (not '', '  ', '&nbsp;'). */
export function checkPrompts(prompts: unknown, option = 'prompts'): readonly string[] {
  const list = checkTexts(prompts, option);
  if (list.length === 0) throw invalidOption(option, 'a non-empty array of prompts', prompts);
  list.forEach((p, i) => {
    if (cleanText(p).length === 0) throw invalidOption(`${option}[${i}]`, 'a prompt with some text', p);
  });
  return list;
}

const describe = (ts: readonly TensorInfo[]) =>
  ts.map((t) => `${t.name} ${t.dtype} [${t.dims.map((d) => (typeof d === 'string' ? JSON.stringify(d) : d)).join(', ')}]`).join(', ') || 'none';
const known = (d: number | string | undefined) => (typeof d === 'number' && d > 0 ? d : undefined);

/** Picks the tensor by name, else the only one; checks rank 2 and (optionally) the dtype. */
function pick(list: readonly TensorInfo[], name: string, dtypes: readonly string[]): TensorInfo | undefined {
  const t = list.find((x) => x.name === name) ?? (list.length === 1 ? list[0] : undefined);
  return t && t.dims.length === 2 && dtypes.includes(t.dtype) ? t : undefined;
}

interface Stage {
  backend: CpuBackend;
  input: TensorInfo;
  output: TensorInfo;
}

async function openStage(path: string, role: 'text encoder' | 'text adapter', threads: number | undefined): Promise<Stage> {
  const backend = await CpuBackend.create(path, threads === undefined ? {} : { threads });
  const encoder = role === 'text encoder';
  const input = pick(backend.inputs, encoder ? 'tokens' : 'text_features', encoder ? ['int64', 'int32'] : ['float32']);
  const output = pick(backend.outputs, encoder ? 'text_features' : 'class_embeddings', ['float32']);
  if (!input || !output || backend.inputs.length !== 1 || !known(output.dims[1]) || (encoder && !known(input.dims[1]))) {
    await backend.dispose();
    const want = encoder ? 'one int64 input tokens [N, 77] and an output text_features [N, D]' : 'one float32 input text_features [N, D] and an output class_embeddings [N, D]';
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected a ${role} with ${want} but ${path} has inputs ${describe(backend.inputs)}; outputs ${describe(backend.outputs)}`, { path });
  }
  return { backend, input, output };
}

/** The vocab option, else the one passed last, else the CLIP file beside the encoder. */
function findVocab(option: string | undefined, encoderPath: string): BpeVocab {
  if (option !== undefined) return rememberVocab(loadBpeVocab(option));
  const last = lastVocabUsed();
  if (last) return last;
  const beside = join(dirname(resolve(encoderPath)), CLIP_VOCAB_FILE);
  if (!existsSync(beside)) {
    throw new YoloeTrtError(
      'ERR_FILE_NOT_FOUND',
      `No CLIP BPE vocabulary: looked for ${beside} (beside the text encoder) and no vocab was passed before; pass options.vocab (${CLIP_VOCAB_FILE}, from open_clip / CLIP / MobileCLIP)`,
      { path: beside, option: 'options.vocab' },
    );
  }
  return rememberVocab(loadBpeVocab(beside));
}

/** Largest encoder batch: bounds the activations of a big vocabulary (1,203 LVIS names). */
const MAX_BATCH = 256;

class OnnxTextEncoder implements TextEncoder {
  readonly dim: number;
  readonly contextLength: number;
  private readonly cache: EmbeddingCache;
  private encoderRuns = 0;
  private disposed = false;
  /** runs in progress: dispose waits for them before releasing the sessions */
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly vocab: BpeVocab,
    private readonly encoder: Stage,
    private readonly adapter: Stage | undefined,
    cacheSize: number,
  ) {
    this.contextLength = encoder.input.dims[1] as number;
    this.dim = (adapter ?? encoder).output.dims[1] as number;
    this.cache = new EmbeddingCache(cacheSize);
  }

  get cacheStats(): TextEncoderCacheStats {
    const { size, capacity, hits, misses } = this.cache;
    return { size, capacity, hits, misses, encoderRuns: this.encoderRuns };
  }

  clearCache(): void {
    this.cache.clear();
  }

  async features(prompts: readonly string[]): Promise<ClassEmbeddings> {
    const list = this.check(prompts);
    return pack(await this.track(this.encodeFeatures(list)), this.encoder.output.dims[1] as number);
  }

  async embed(prompts: readonly string[]): Promise<ClassEmbeddings> {
    const list = this.check(prompts);
    const rows = new Array<Float32Array | Promise<Float32Array>>(list.length);
    const missing: string[] = [];
    const missingAt = new Map<string, number[]>();
    list.forEach((p, i) => {
      const hit = missingAt.has(p) ? undefined : this.cache.lookup(p);
      if (hit) rows[i] = hit;
      else if (missingAt.has(p)) missingAt.get(p)!.push(i);
      else {
        missing.push(p);
        missingAt.set(p, [i]);
      }
    });
    if (missing.length > 0) {
      const computed = this.cache.compute(missing, () => this.track(this.embedUncached(missing)));
      missing.forEach((p, k) => missingAt.get(p)!.forEach((i) => (rows[i] = computed[k]!)));
    }
    return pack(await Promise.all(rows), this.dim);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await Promise.allSettled([...this.running]);
    this.cache.clear();
    await this.encoder.backend.dispose();
    await this.adapter?.backend.dispose();
  }

  private check(prompts: readonly string[]): readonly string[] {
    const list = checkPrompts(prompts);
    if (this.disposed) throw new YoloeTrtError('ERR_DISPOSED', 'The text encoder was disposed');
    return list;
  }

  private track<T>(run: Promise<T>): Promise<T> {
    this.running.add(run);
    const forget = () => this.running.delete(run);
    run.then(forget, forget);
    return run;
  }

  private async embedUncached(prompts: readonly string[]): Promise<Float32Array[]> {
    const features = await this.encodeFeatures(prompts);
    if (!this.adapter) return features;
    const d = this.encoder.output.dims[1] as number;
    const out = await this.adapter.backend.run(
      { [this.adapter.input.name]: { dtype: 'float32', dims: [prompts.length, d], data: pack(features, d).data } },
      [this.adapter.output.name],
    );
    return rowsOf(out[this.adapter.output.name]!, prompts.length, this.dim, 'text adapter');
  }

  /** Tokenize -> text encoder, in batches of at most MAX_BATCH prompts. */
  private async encodeFeatures(prompts: readonly string[]): Promise<Float32Array[]> {
    const d = this.encoder.output.dims[1] as number;
    const rows: Float32Array[] = [];
    for (let start = 0; start < prompts.length; start += MAX_BATCH) {
      const batch = prompts.slice(start, start + MAX_BATCH);
      const dtype = this.encoder.input.dtype === 'int32' ? 'int32' : 'int64';
      const { ids } = tokenizeWith(this.vocab, batch, this.contextLength, dtype);
      this.encoderRuns++;
      const tokens: Tensor = { dtype, dims: [batch.length, this.contextLength], data: ids };
      const out = await this.encoder.backend.run({ [this.encoder.input.name]: tokens }, [this.encoder.output.name]);
      rows.push(...rowsOf(out[this.encoder.output.name]!, batch.length, d, 'text encoder'));
    }
    return rows;
  }
}

function rowsOf(t: Tensor, n: number, d: number, role: string): Float32Array[] {
  if (!(t.data instanceof Float32Array) || t.dims.length !== 2 || t.dims[0] !== n || t.dims[1] !== d) {
    throw new YoloeTrtError('ERR_SHAPE', `The ${role} returned ${t.dtype} [${t.dims.join(', ')}], expected float32 [${n}, ${d}]`);
  }
  return Array.from({ length: n }, (_, i) => t.data.slice(i * d, (i + 1) * d) as Float32Array);
}

function pack(rows: readonly Float32Array[], dim: number): ClassEmbeddings {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return { data, count: rows.length, dim };
}

/**
 * Opens a text encoder (and optionally the detector's adapter) on the CPU backend. `embed` =
 * tokenize -> encoder -> adapter, as YOLOE's `get_text_pe`; prompts seen before come from the cache.
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND (a file or the vocab), ERR_MODEL_LAYOUT (not a text encoder / adapter, or their dims disagree), ERR_INVALID_OPTION
 */
export async function loadTextEncoder(options: LoadTextEncoderOptions): Promise<TextEncoder> {
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object with onnx (the text encoder path)', options);
  const opts = optObject('options', options);
  checkKnownKeys('loadTextEncoder', opts, ['onnx', 'adapter', 'vocab', 'threads', 'cacheSize']);
  const onnx = optString('options.onnx', opts.onnx);
  if (onnx === undefined) throw invalidOption('options.onnx', 'the path of the text encoder ONNX', undefined);
  const adapterPath = optString('options.adapter', opts.adapter);
  const vocabOption = optString('options.vocab', opts.vocab);
  const threads = opts.threads === undefined ? undefined : optNumber('options.threads', opts.threads, 0, 1, 1024, { integer: true });
  const cacheSize = optNumber('options.cacheSize', opts.cacheSize, 4096, 0, 1_000_000, { integer: true });
  if (!existsSync(onnx)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Text encoder not found: ${onnx}`, { path: onnx });
  if (adapterPath !== undefined && !existsSync(adapterPath)) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Text adapter not found: ${adapterPath}`, { path: adapterPath });
  }
  const vocab = findVocab(vocabOption, onnx);
  const encoder = await openStage(onnx, 'text encoder', threads);
  let adapter: Stage | undefined;
  try {
    if (adapterPath !== undefined) {
      adapter = await openStage(adapterPath, 'text adapter', threads);
      const d = encoder.output.dims[1];
      if (known(adapter.input.dims[1]) !== d) {
        throw new YoloeTrtError(
          'ERR_MODEL_LAYOUT',
          `The text adapter ${adapterPath} takes ${describe([adapter.input])} but the text encoder ${onnx} gives ${describe([encoder.output])}`,
          { path: adapterPath },
        );
      }
    }
  } catch (e) {
    await adapter?.backend.dispose();
    await encoder.backend.dispose();
    throw e;
  }
  return new OnnxTextEncoder(vocab, encoder, adapter, cacheSize);
}
