/** The text path of run-time vocabularies: CLIP BPE tokenizer, text encoder + adapter, .npy reader. */
export { tokenize, cleanText, splitPieces } from './tokenizer.js';
export type { TokenizeOptions, TokenizeResult } from './tokenizer.js';
export type { ClassEmbeddings, TextEmbedder } from './types.js';
