/**
 * Class embeddings for K prompts, as a run-time-vocabulary detector takes them: row k (`dim`
 * floats, row-major in `data`) is prompt k's embedding; the detector input is `[1, K, dim]`.
 */
export interface ClassEmbeddings {
  readonly data: Float32Array;
  readonly count: number;
  readonly dim: number;
}

/**
 * Turns prompts into class embeddings: CLIP BPE tokenizer -> text encoder -> the detector's
 * adapter (+ L2 normalisation), as YOLOE's `get_text_pe`. Safe for concurrent callers.
 */
export interface TextEmbedder {
  readonly dim: number;
  embed(prompts: readonly string[]): Promise<ClassEmbeddings>;
  dispose(): Promise<void>;
}
