import { readFileSync } from 'node:fs';
import { YoloeTrtError } from '../errors.js';
import { parsePythonLiteral } from '../onnx/python-literal.js';

/**
 * A NumPy `.npy` reader (format versions 1-3) for the arrays Python tools write: float32
 * embeddings (`np.save('emb.npy', pe)`) and int64 token ids. Little-endian `<f4` / `<i8`, C order;
 * anything else is a typed ERR_FILE_FORMAT naming the file and what it holds.
 */

export type NpyArray =
  | { dtype: 'float32'; shape: number[]; data: Float32Array }
  | { dtype: 'int64'; shape: number[]; data: BigInt64Array };

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY
const DTYPES = { '<f4': { dtype: 'float32', size: 4 }, '<i8': { dtype: 'int64', size: 8 } } as const;

function fail(source: string, why: string): YoloeTrtError {
  return new YoloeTrtError('ERR_FILE_FORMAT', `Not a readable .npy array (${why}): ${source}`, { path: source });
}

/** Parses `.npy` bytes; `source` names them in errors. */
export function parseNpy(bytes: Uint8Array, source = 'the given bytes'): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(MAGIC)) throw fail(source, 'no \\x93NUMPY magic');
  const major = buf[6]!;
  if (major < 1 || major > 3) throw fail(source, `format version ${major}.${buf[7]} is not 1, 2 or 3`);
  const lenBytes = major === 1 ? 2 : 4;
  if (buf.length < 8 + lenBytes) throw fail(source, 'truncated header');
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenBytes;
  if (buf.length < start + headerLen) throw fail(source, 'truncated header');
  const headerText = buf.subarray(start, start + headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  let header: unknown;
  try {
    header = parsePythonLiteral(headerText.trim());
  } catch {
    throw fail(source, `unparsable header ${JSON.stringify(headerText.trim())}`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw fail(source, 'header is not a dict');
  const { descr, fortran_order: fortran, shape } = header as Record<string, unknown>;
  const kind = typeof descr === 'string' ? DTYPES[descr as keyof typeof DTYPES] : undefined;
  if (!kind) throw fail(source, `dtype ${JSON.stringify(descr)}; supported: '<f4' (float32), '<i8' (int64)`);
  if (fortran !== false) throw fail(source, 'Fortran order; save a C-contiguous array (np.ascontiguousarray)');
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) {
    throw fail(source, `shape ${JSON.stringify(shape)}`);
  }
  const dims = shape as number[];
  const count = dims.reduce((a, d) => a * d, 1);
  const dataStart = start + headerLen;
  const expected = count * kind.size;
  if (buf.length - dataStart !== expected) {
    throw fail(source, `shape [${dims.join(', ')}] ${descr} needs ${expected} data bytes, the file has ${buf.length - dataStart}`);
  }
  // Copy: the data offset is not necessarily aligned for a typed-array view.
  const data = new Uint8Array(buf.subarray(dataStart)).buffer;
  return kind.dtype === 'float32'
    ? { dtype: 'float32', shape: dims, data: new Float32Array(data) }
    : { dtype: 'int64', shape: dims, data: new BigInt64Array(data) };
}

/** Reads a `.npy` file. */
export function readNpy(path: string): NpyArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `.npy file not found: ${path}`, { path }, { cause });
    throw new YoloeTrtError('ERR_FILE_FORMAT', `Cannot read .npy file ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
  return parseNpy(bytes, path);
}
