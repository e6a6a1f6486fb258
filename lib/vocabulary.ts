import { YoloeTrtError, describeValue, invalidOption } from './errors.js';
import type { ClassEmbeddings, TextEmbedder } from './text/types.js';
import type { TensorInfo } from './types.js';

/**
 * How a model names its classes:
 * - 'fixed': the classes are baked into the graph (YOLO, fused YOLOE exports);
 * - 'runtime': class embeddings `[1, K, D]` are a second input (un-fused YOLOE export), so the
 *   classes are chosen at run time with `setClasses()` or per call with `prompts`;
 * - 'prompt-free': YOLOE's LRPC head, a built-in vocabulary (4,585 names) and a data-dependent
 *   anchor count.
 */
export type VocabularyKind = 'fixed' | 'runtime' | 'prompt-free';

export interface VocabularyInfo {
  kind: VocabularyKind;
  /** runtime: the class-embeddings input's name */
  embeddingsInput?: string;
  /** runtime: the embedding width D */
  embedDim?: number;
  /** runtime: the class counts K the model accepts (maxClasses Infinity when the dim is free) */
  minClasses?: number;
  maxClasses?: number;
  /** runtime: the text encoder / adapter the export names in its metadata, when it does */
  textEncoder?: string;
  textAdapter?: string;
}

/** The classes one detect() call uses: immutable, so concurrent calls never see half of another's. */
export interface Vocabulary {
  readonly names: readonly string[];
  readonly embeddings: ClassEmbeddings;
}

function known(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && Number.isInteger(d) && d > 0 ? d : undefined;
}

/**
 * Finds the class-embeddings input among a model's inputs: the one named by the metadata
 * `embeddings_input`, else `class_embeddings`, else a float rank-3 input `[1|B, K, D]` with K dynamic.
 */
export function findEmbeddingsInput(inputs: TensorInfo[], metadata: Record<string, string>): TensorInfo | undefined {
  const byName = (name: string | undefined) => (name === undefined ? undefined : inputs.find((i) => i.name === name));
  return byName(metadata.embeddings_input) ?? byName('class_embeddings') ??
    inputs.find((i) => i.dims.length === 3 && (i.dtype === 'float32' || i.dtype === 'float16') && known(i.dims[1]) === undefined && known(i.dims[2]) !== undefined);
}

/**
 * What kind of vocabulary a model has, from its inputs, its head and its metadata (`vocabulary`,
 * `embed_dim`, `text_encoder`, `text_adapter` as scripts/export-yoloe.py writes them).
 * A prompt-free head is recognised by metadata `vocabulary=prompt-free` or by a fixed input size
 * with a data-dependent anchor count (LRPC keeps only the anchors it scores).
 */
export function resolveVocabularyInfo(inputs: TensorInfo[], head: TensorInfo | undefined, metadata: Record<string, string>, fixedInput: boolean): VocabularyInfo {
  const emb = findEmbeddingsInput(inputs, metadata);
  if (emb) {
    if (emb.dims.length !== 3) {
      throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected the class-embeddings input ${emb.name} to be [1, K, D] but it is [${emb.dims.join(', ')}]`);
    }
    const dim = known(emb.dims[2]) ?? (metadata.embed_dim !== undefined ? Number(metadata.embed_dim) : undefined);
    if (dim === undefined || !Number.isInteger(dim) || dim < 1) {
      throw new YoloeTrtError('ERR_MODEL_LAYOUT', `The class-embeddings input ${emb.name} [${emb.dims.join(', ')}] has no static embedding dim and no embed_dim metadata`);
    }
    const k = known(emb.dims[1]);
    return {
      kind: 'runtime',
      embeddingsInput: emb.name,
      embedDim: dim,
      minClasses: k ?? 1,
      maxClasses: k ?? Infinity,
      ...(metadata.text_encoder ? { textEncoder: metadata.text_encoder } : {}),
      ...(metadata.text_adapter ? { textAdapter: metadata.text_adapter } : {}),
    };
  }
  if (metadata.vocabulary === 'prompt-free') return { kind: 'prompt-free' };
  const anchorsDynamic = head !== undefined && head.dims.length === 3 && known(head.dims[2]) === undefined && known(head.dims[1]) !== undefined;
  if (fixedInput && anchorsDynamic) return { kind: 'prompt-free' };
  return { kind: 'fixed' };
}

/** Checks a TextEmbedder-like object (the loadModel `textEncoder` option). */
export function validTextEmbedder(value: unknown, option = 'textEncoder'): TextEmbedder {
  const v = value as Partial<TextEmbedder> | null;
  if (v === null || typeof v !== 'object' || typeof v.embed !== 'function' || typeof v.dim !== 'number') {
    throw invalidOption(option, 'a text encoder (loadTextEncoder(): an object with dim and embed(prompts))', value);
  }
  return v as TextEmbedder;
}

/** Class names for a vocabulary: 1..max non-empty strings. */
export function validClassNames(option: string, value: unknown, max = Infinity): string[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every((n) => typeof n === 'string' && n.trim().length > 0)) {
    throw invalidOption(option, 'a non-empty array of non-empty strings', value);
  }
  if (value.length > max) throw invalidOption(option, `at most ${max} class names (the model's limit)`, value);
  return [...(value as string[])];
}

/**
 * Checks K embeddings of width `dim` for K names and returns a private, frozen copy: a caller
 * that later overwrites its Float32Array does not change a vocabulary already in use.
 * A Float32Array is read as K x dim rows; a ClassEmbeddings must say the same K and dim.
 */
export function toVocabulary(names: string[], embeddings: ClassEmbeddings | Float32Array, dim: number, option = 'embeddings'): Vocabulary {
  let data: Float32Array;
  let count: number;
  let width: number;
  if (embeddings instanceof Float32Array) {
    data = embeddings;
    count = names.length;
    width = dim;
    if (data.length !== count * dim) throw invalidOption(option, `a Float32Array of ${names.length} x ${dim} = ${count * dim} floats (one row per class)`, embeddings);
  } else if (embeddings !== null && typeof embeddings === 'object' && embeddings.data instanceof Float32Array) {
    ({ data, count, dim: width } = embeddings);
    if (width !== dim) throw invalidOption(option, `embeddings of width ${dim} (the model's embed_dim)`, `width ${describeValue(width)}`);
    if (count !== names.length) throw invalidOption(option, `${names.length} embeddings (one per class name)`, `${describeValue(count)} embeddings`);
    if (data.length !== count * width) throw invalidOption(option, `data of count x dim = ${count * width} floats`, embeddings.data);
  } else {
    throw invalidOption(option, 'class embeddings (a ClassEmbeddings, a Float32Array or an embeddings file path)', embeddings);
  }
  const copy = Float32Array.from(data);
  for (let i = 0; i < copy.length; i++) {
    if (!Number.isFinite(copy[i]!)) {
      throw invalidOption(option, 'finite embedding values', `${copy[i]} at row ${Math.floor(i / width)}, column ${i % width}`);
    }
  }
  return Object.freeze({ names: Object.freeze([...names]), embeddings: Object.freeze({ data: copy, count, dim: width }) });
}

/** The error a run-time-vocabulary model gives when asked to detect with no classes set. */
export function noVocabularyError(path: string): YoloeTrtError {
  return new YoloeTrtError(
    'ERR_NO_VOCABULARY',
    `The model ${path} takes its classes at run time and none are set: call model.setClasses(names, embeddings), ` +
      'pass detect(image, { prompts: [...] }) with a textEncoder given to loadModel (or with embeddings), ' +
      'or on the CLI give --prompts with --text-encoder/--adapter, or --embeddings FILE',
    { path },
  );
}

/** Class counts K a TensorRT engine of a run-time-vocabulary model covers by default: 1 to LVIS's 1,203, tuned for COCO's 80. */
export const DEFAULT_CLASS_RANGE: Readonly<{ min: number; opt: number; max: number }> = Object.freeze({ min: 1, opt: 80, max: 1203 });

/** Checks a { min, opt, max } class-count range (buildEngine `vocabularySize`), filling in the defaults. */
export function validClassRange(option: string, value: unknown): { min: number; opt: number; max: number } {
  if (value === undefined) return { ...DEFAULT_CLASS_RANGE };
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidOption(option, 'an object { min, opt, max } of class counts', value);
  const v = value as Record<string, unknown>;
  const pick = (key: 'min' | 'opt' | 'max') => {
    const x = v[key] ?? DEFAULT_CLASS_RANGE[key];
    if (!Number.isInteger(x) || (x as number) < 1 || (x as number) > 65536) throw invalidOption(`${option}.${key}`, 'an integer between 1 and 65536', x);
    return x as number;
  };
  const range = { min: pick('min'), opt: pick('opt'), max: pick('max') };
  if (!(range.min <= range.opt && range.opt <= range.max)) throw invalidOption(option, 'min <= opt <= max', `${range.min}, ${range.opt}, ${range.max}`);
  return range;
}

/**
 * The optimization-profile range of a run-time-vocabulary model's class-embeddings input,
 * `[1, K, D]` with K over `range`; undefined for models without one.
 */
export function embeddingsShapeRange(inputs: TensorInfo[], metadata: Record<string, string>, range: { min: number; opt: number; max: number }): { input: string; min: number[]; opt: number[]; max: number[] } | undefined {
  const emb = findEmbeddingsInput(inputs, metadata);
  if (!emb || emb.dims.length !== 3) return undefined;
  const dim = known(emb.dims[2]) ?? Number(metadata.embed_dim);
  if (!Number.isInteger(dim) || dim < 1) return undefined;
  const batch = known(emb.dims[0]) ?? 1;
  const k = known(emb.dims[1]);
  const at = (n: number) => [batch, k ?? n, dim];
  return { input: emb.name, min: at(range.min), opt: at(range.opt), max: at(range.max) };
}
