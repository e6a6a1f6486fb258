import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { YoloeTrtError } from '../errors.js';
import type { ClassEmbeddings } from './types.js';

/** Class embeddings read from a file, with the class names when the file carries them (JSON). */
export interface EmbeddingsFile {
  embeddings: ClassEmbeddings;
  names?: string[];
}

function fileError(path: string, why: string): YoloeTrtError {
  return new YoloeTrtError('ERR_INVALID_OPTION', `Expected class embeddings (.npy float32 [K, D] or [1, K, D], or JSON {"names": [...], "embeddings": [[...]]}) in ${path} but ${why}`, { path, option: 'embeddings' });
}

/** The header of a NumPy .npy file: dtype descr, C order, shape. */
function npyHeader(bytes: Uint8Array, path: string): { descr: string; fortran: boolean; shape: number[]; offset: number } {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (bytes.length < 10 || !magic.every((b, i) => bytes[i] === b)) throw fileError(path, 'it is not a .npy file (no \\x93NUMPY magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = 8 + lenBytes;
  const header = new TextDecoder('latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr':\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || shapeText === undefined) throw fileError(path, `its .npy header is unreadable: ${header.trim()}`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr, fortran, shape, offset: start + headerLen };
}

/**
 * A little-endian float32, C-order NumPy array from the bytes of an `.npy` file (versions 1-3).
 * @throws YoloeTrtError ERR_INVALID_OPTION naming `path` and what is wrong.
 */
export function parseNpyFloat32(bytes: Uint8Array, path: string): { shape: number[]; data: Float32Array } {
  const { descr, fortran, shape, offset } = npyHeader(bytes, path);
  if (descr !== '<f4') throw fileError(path, `its dtype is ${descr}, not float32 (<f4): save with .astype(np.float32)`);
  if (fortran) throw fileError(path, 'it is in Fortran order: save np.ascontiguousarray(x)');
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw fileError(path, `its shape is (${shape.join(', ')})`);
  const length = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - offset < length * 4) throw fileError(path, `it holds ${bytes.length - offset} data bytes for a (${shape.join(', ')}) float32 array`);
  // a copy: the data offset need not be 4-byte aligned (and a Buffer's slice() would share its pool)
  const copy = new Uint8Array(length * 4);
  copy.set(bytes.subarray(offset, offset + length * 4));
  return { shape, data: new Float32Array(copy.buffer) };
}

/** float32 [K, D] or [1, K, D] from a .npy file. */
function fromNpy(bytes: Uint8Array, path: string): ClassEmbeddings {
  const { shape, data } = parseNpyFloat32(bytes, path);
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
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND, or ERR_INVALID_OPTION naming the file and what is wrong.
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
