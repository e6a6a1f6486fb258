import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { YoloeTrtError } from '../errors.js';

/** Default byte caps of the sources read whole: images (maxImageBytes) and models (maxModelBytes). */
export const DEFAULT_MAX_IMAGE_BYTES = 256 * 2 ** 20;
export const DEFAULT_MAX_MODEL_BYTES = 4 * 2 ** 30;

/** What a path must be to be read as a source: an existing regular file under the byte cap. */
function checkStats(path: string, kind: string, stats: Stats, maxBytes: number): void {
  if (stats.isDirectory()) throw new YoloeTrtError('ERR_NOT_A_FILE', `The ${kind} path ${path} is a folder, not a file`, { path });
  // FIFOs, /dev/zero, sockets: reading them never ends or never means anything
  if (!stats.isFile()) throw new YoloeTrtError('ERR_NOT_A_FILE', `The ${kind} path ${path} is not a regular file (a device, FIFO or socket)`, { path });
  if (stats.size > maxBytes) {
    throw new YoloeTrtError('ERR_FILE_TOO_LARGE', `The ${kind} file ${path} has ${stats.size} bytes, more than the limit of ${maxBytes}`, { path, bytes: stats.size, maxBytes });
  }
}

/** A failed stat/open as a typed error naming the path. */
export function fileError(path: string, kind: string, err: unknown): YoloeTrtError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return new YoloeTrtError('ERR_FILE_NOT_FOUND', `${kind[0]!.toUpperCase()}${kind.slice(1)} file not found: ${path}`, { path }, { cause: err });
  if (code === 'EISDIR') return new YoloeTrtError('ERR_NOT_A_FILE', `The ${kind} path ${path} is a folder, not a file`, { path }, { cause: err });
  return new YoloeTrtError('ERR_FILE_READ', `Cannot read the ${kind} file ${path}: ${(err as Error).message}`, { path }, { cause: err });
}

/**
 * Checks, without reading it, that `path` is a regular file of at most `maxBytes` (for sources
 * another library opens itself, such as ONNX Runtime).
 * @throws ERR_FILE_NOT_FOUND, ERR_NOT_A_FILE, ERR_FILE_TOO_LARGE, ERR_FILE_READ
 */
export function checkSourceFile(path: string, kind: string, maxBytes: number): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (err) {
    throw fileError(path, kind, err);
  }
  checkStats(path, kind, stats, maxBytes);
}

/** A model file (ONNX or engine) as loadModel() takes it. */
export function checkModelSource(path: string, maxBytes = DEFAULT_MAX_MODEL_BYTES): void {
  checkSourceFile(path, 'model', maxBytes);
}

/**
 * Reads a whole source file, refusing folders, non-regular files and files over `maxBytes`;
 * the checks are made on the opened descriptor, and at most the size stat gave is read.
 * @example const bytes = await readSourceFile('bus.jpg', 'image', DEFAULT_MAX_IMAGE_BYTES);
 */
export async function readSourceFile(path: string, kind: string, maxBytes: number): Promise<Buffer> {
  // stat before open: opening a FIFO with no writer waits forever
  checkSourceFile(path, kind, maxBytes);
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw fileError(path, kind, err);
  }
  try {
    const stats = await handle.stat();
    checkStats(path, kind, stats, maxBytes);
    const buffer = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } catch (err) {
    throw err instanceof YoloeTrtError ? err : fileError(path, kind, err);
  } finally {
    await handle.close();
  }
}

/** Synchronous twin of {@link readSourceFile}, for the synchronous model readers. */
export function readSourceFileSync(path: string, kind: string, maxBytes: number): Buffer {
  checkSourceFile(path, kind, maxBytes);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw fileError(path, kind, err);
  }
  try {
    const stats = fstatSync(fd);
    checkStats(path, kind, stats, maxBytes);
    const buffer = Buffer.alloc(stats.size);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, filled);
      if (n === 0) break;
      filled += n;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } catch (err) {
    throw err instanceof YoloeTrtError ? err : fileError(path, kind, err);
  } finally {
    closeSync(fd);
  }
}
