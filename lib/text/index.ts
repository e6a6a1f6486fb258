/** The text path of run-time vocabularies: CLIP BPE tokenizer, text encoder + adapter, .npy reader. */
export { tokenize, cleanText, splitPieces } from './tokenizer.js';
export type { TokenizeOptions, TokenizeResult } from './tokenizer.js';
export { loadTextEncoder, checkPrompts } from './text-encoder.js';
export type { LoadTextEncoderOptions, TextEncoder, TextEncoderCacheStats } from './text-encoder.js';
export { readNpy, parseNpy } from './npy.js';
export type { NpyArray } from './npy.js';
export type { ClassEmbeddings, TextEmbedder } from './types.js';
