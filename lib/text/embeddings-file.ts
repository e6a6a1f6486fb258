import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { YoloeTrtError } from '../errors.js';
import { parseNpy } from './npy.js';
import type { ClassEmbeddings } from './types.js';

/** Class embeddings read from a file, with the class names when the file carries them (JSON). */
export interface EmbeddingsFile {
  embeddings: ClassEmbeddings;
  names?: string[];
}

function fileError(path: string, why: string): YoloeTrtError {
  return new YoloeTrtError('ERR_FILE_FORMAT', `Expected class embeddings (.npy float32 [K, D] or [1, K, D], or JSON {"names": [...], "embeddings": [[...]]}) in ${path} but ${why}`, { path, option: 'embeddings' });
}

/** float32 [K, D] or [1, K, D] from a .npy file (lib/text/npy.ts reads it). */
function fromNpy(bytes: Uint8Array, path: string): ClassEmbeddings {
  const array = parseNpy(bytes, path);
  if (array.dtype !== 'float32') throw fileError(path, `its dtype is ${array.dtype}, not float32: save with .astype(np.float32)`);
  const { shape, data } = array;
  const dims = shape.length === 3 && shape[0] === 1 ? shape.slice(1) : shape;
  if (dims.length !== 2 || !dims.every((d) => d > 0)) throw fileError(path, `its shape is (${shape.join(', ')}), not [K, D] or [1, K, D]`);
  return { data, count: dims[0]!, dim: dims[1]! };
}

function fromJson(text: string, path: string): EmbeddingsFile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw fileError(path, `it is not valid JSON (${(cause as Error).message})`);
  }
  const { names, embeddings } = (doc ?? {}) as { names?: unknown; embeddings?: unknown };
  if (!Array.isArray(embeddings) || embeddings.length === 0 || !embeddings.every(Array.isArray)) throw fileError(path, '"embeddings" is not a non-empty array of arrays');
  const rows = embeddings as unknown[][];
  const dim = rows[0]!.length;
  if (dim === 0) throw fileError(path, 'its embeddings are empty rows');
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, k) => {
    if (row.length !== dim) throw fileError(path, `row ${k} has ${row.length} values, row 0 has ${dim}`);
    row.forEach((v, j) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw fileError(path, `row ${k}, column ${j} is ${JSON.stringify(v)}`);
      data[k * dim + j] = v;
    });
  });
  if (names !== undefined && (!Array.isArray(names) || !names.every((n) => typeof n === 'string'))) throw fileError(path, '"names" is not an array of strings');
  if (names !== undefined && names.length !== rows.length) throw fileError(path, `it has ${names.length} names for ${rows.length} embeddings`);
  return { embeddings: { data, count: rows.length, dim }, ...(names !== undefined ? { names: [...(names as string[])] } : {}) };
}

/**
 * Reads class embeddings written in Python: `np.save(f, pe.float().numpy())` (`[K, D]` or
 * `[1, K, D]`, float32; names come separately) or JSON `{"names": [...], "embeddings": [[...], ...]}`.
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND, or ERR_FILE_FORMAT naming the file and what is wrong.
 * @example const { embeddings } = await loadEmbeddingsFile('coco.npy'); await model.setClasses(names, embeddings);
 */
export async function loadEmbeddingsFile(path: string): Promise<EmbeddingsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Embeddings file not found: ${path}`, { path }, { cause });
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return fromJson(bytes.toString('utf8'), path);
  if (ext === '.npy') return { embeddings: fromNpy(bytes, path) };
  throw fileError(path, `its extension ${JSON.stringify(ext)} is neither .npy nor .json`);
}
