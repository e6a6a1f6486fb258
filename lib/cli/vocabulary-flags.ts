import { YoloeTrtError } from '../errors.js';
import type { Model } from '../model.js';
import { loadEmbeddingsFile } from '../text/embeddings-file.js';
import { loadTextEncoder, type TextEncoder } from '../text/text-encoder.js';
import type { ClassEmbeddings } from '../text/types.js';

/** The run-time-vocabulary flags of `detect`: --prompts, --text-encoder, --adapter, --vocab, --embeddings. */
export interface VocabularyFlags {
  prompts?: string;
  'text-encoder'?: string;
  adapter?: string;
  vocab?: string;
  embeddings?: string;
}

/** The flag specs of VocabularyFlags (with --names), for parseCommand: `detect` and `quantize` take them all. */
export const VOCABULARY_FLAG_SPECS = {
  names: { type: 'string' },
  prompts: { type: 'string' },
  'text-encoder': { type: 'string' },
  adapter: { type: 'string' },
  vocab: { type: 'string' },
  embeddings: { type: 'string' },
} as const;

/** "person, red bus" -> ["person", "red bus"]. */
export function promptsFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const list = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a comma-separated list of prompts for --prompts but received ${JSON.stringify(value)}`, { option: 'prompts' });
  return list;
}

/** Opens the text encoder the flags name (before the model, so loadModel gets it). */
export async function openVocabularyFlags(values: VocabularyFlags): Promise<{ wanted: boolean; textEncoder?: TextEncoder }> {
  const wanted = values.prompts !== undefined || values.embeddings !== undefined;
  for (const flag of ['adapter', 'vocab'] as const) {
    if (values[flag] !== undefined && values['text-encoder'] === undefined) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected --text-encoder with --${flag}`, { option: flag });
    }
  }
  if (values['text-encoder'] === undefined) return { wanted };
  if (values.prompts === undefined) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected --prompts with --text-encoder (the classes to embed)', { option: 'prompts' });
  const textEncoder = await loadTextEncoder({
    onnx: values['text-encoder'],
    ...(values.adapter !== undefined ? { adapter: values.adapter } : {}),
    ...(values.vocab !== undefined ? { vocab: values.vocab } : {}),
  });
  return { wanted, textEncoder };
}

/** A run-time-vocabulary model run without any vocabulary flag: which flags to add. */
export function noVocabularyFlagsError(path: string): YoloeTrtError {
  return new YoloeTrtError('ERR_NO_VOCABULARY', `${path} takes its classes at run time: give --prompts "a,b" with --text-encoder TE.onnx [--adapter A.onnx], or --embeddings FILE (.npy with --names/--prompts, or JSON with names)`);
}

/**
 * The classes the flags name: --embeddings FILE (names from the JSON file, else --prompts, else
 * --names) or --prompts alone (embeddings undefined: the text encoder makes them). Undefined when
 * no vocabulary flag was given.
 */
async function vocabularyOf(values: VocabularyFlags, namesFile: string[] | undefined, opened: { wanted: boolean }): Promise<{ names: string[]; embeddings?: ClassEmbeddings } | undefined> {
  const prompts = promptsFlag(values.prompts);
  if (!opened.wanted) return undefined;
  if (values.embeddings === undefined) return { names: prompts! };
  const file = await loadEmbeddingsFile(values.embeddings);
  const names = file.names ?? prompts ?? namesFile;
  if (names === undefined) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected --names FILE or --prompts with --embeddings ${values.embeddings} (an .npy file holds no class names)`, { option: 'names' });
  }
  if (file.names !== undefined && prompts !== undefined && prompts.join('\u0000') !== file.names.join('\u0000')) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected --prompts to equal the names in ${values.embeddings} (${file.names.join(', ')}) but received ${prompts.join(', ')}`, { option: 'prompts' });
  }
  return { names, embeddings: file.embeddings };
}

/**
 * Sets the model's classes from the flags (vocabularyOf). A run-time-vocabulary model given none
 * of them is an error that says which flags to add.
 */
export async function setVocabulary(model: Model, values: VocabularyFlags, namesFile: string[] | undefined, opened: { wanted: boolean }): Promise<void> {
  const vocabulary = await vocabularyOf(values, namesFile, opened);
  if (vocabulary === undefined) {
    if (model.info.vocabulary.kind === 'runtime') throw noVocabularyFlagsError(model.info.path);
    return;
  }
  if (vocabulary.embeddings === undefined) await model.setClasses(vocabulary.names);
  else await model.setClasses(vocabulary.names, vocabulary.embeddings);
}

/**
 * The flags' classes as names + embeddings, for commands that hand them to an API rather than to
 * one model (quantize's report compares two models on them); --prompts are embedded with the
 * opened text encoder. Undefined without vocabulary flags.
 */
export async function vocabularyEmbeddings(values: VocabularyFlags, namesFile: string[] | undefined, opened: { wanted: boolean; textEncoder?: TextEncoder }): Promise<{ names: string[]; embeddings: ClassEmbeddings } | undefined> {
  const vocabulary = await vocabularyOf(values, namesFile, opened);
  if (vocabulary === undefined) return undefined;
  if (vocabulary.embeddings !== undefined) return { names: vocabulary.names, embeddings: vocabulary.embeddings };
  if (!opened.textEncoder) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected --text-encoder TE.onnx with --prompts (or --embeddings FILE)', { option: 'text-encoder' });
  }
  return { names: vocabulary.names, embeddings: await opened.textEncoder.embed(vocabulary.names) };
}
