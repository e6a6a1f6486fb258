import { accessSync, constants, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { rename, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { YoloeTrtError } from '../errors.js';

let counter = 0;

/** A temporary name next to `path` (same folder, so the rename is atomic and never crosses devices). */
function temporaryName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
}

function writeError(path: string, err: unknown): YoloeTrtError {
  if (err instanceof YoloeTrtError) return err;
  return new YoloeTrtError('ERR_FILE_WRITE', `Cannot write ${path}: ${(err as Error).message}`, { path }, { cause: err });
}

/**
 * Writes a file atomically: the bytes go to a temporary file in the same folder, renamed over
 * `path` once complete; on failure the temporary file is removed and `path` is untouched.
 * @throws ERR_FILE_WRITE naming the path
 * @example await writeFileAtomic('out/results.json', json);
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  checkOutputPath(path);
  const temporary = temporaryName(path);
  try {
    await writeFile(temporary, data, { flag: 'wx' });
    await rename(temporary, path);
  } catch (err) {
    await unlink(temporary).catch(() => {});
    throw writeError(path, err);
  }
}

/** Synchronous twin of {@link writeFileAtomic}. */
export function writeFileAtomicSync(path: string, data: string | Uint8Array): void {
  checkOutputPath(path);
  const temporary = temporaryName(path);
  try {
    writeFileSync(temporary, data, { flag: 'wx' });
    renameSync(temporary, path);
  } catch (err) {
    try {
      unlinkSync(temporary);
    } catch {
      // never created
    }
    throw writeError(path, err);
  }
}

/** The real path of a file, or of its folder joined with its name when the file does not exist yet. */
function realPathOf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(path))), basename(path));
    } catch {
      return resolve(path);
    }
  }
}

/**
 * Checks, before any long work, that `path` can be written: its folder exists, is a folder and
 * is writable, `path` itself is not a folder, and it is not (by real path) one of `inputs`.
 * @throws ERR_FILE_WRITE naming the path and the reason
 * @example checkOutputPath('m.int8.onnx', { inputs: ['m.onnx'], option: 'output' })
 */
export function checkOutputPath(path: string, opts: { inputs?: string[]; option?: string } = {}): void {
  const what = opts.option ? `${opts.option} ${path}` : path;
  const fail = (why: string) => new YoloeTrtError('ERR_FILE_WRITE', `Cannot write ${what}: ${why}`, { path, ...(opts.option ? { option: opts.option } : {}) });
  const folder = dirname(resolve(path));
  let folderStats;
  try {
    folderStats = statSync(folder);
  } catch {
    throw fail(`the folder ${folder} does not exist`);
  }
  if (!folderStats.isDirectory()) throw fail(`${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw fail(`the folder ${folder} is not writable`);
  }
  try {
    if (statSync(path).isDirectory()) throw fail('it is a folder');
  } catch (err) {
    if (err instanceof YoloeTrtError) throw err;
  }
  const real = realPathOf(path);
  for (const input of opts.inputs ?? []) {
    if (realPathOf(input) === real) throw fail(`it is the input ${input}; choose another output path`);
  }
}

/**
 * Checks that `dir` can hold outputs: it is a folder (created when missing) and writable.
 * @throws ERR_FILE_WRITE naming the folder
 */
export async function prepareOutputDir(dir: string): Promise<void> {
  const { mkdir } = await import('node:fs/promises');
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'EEXIST' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'a file is in the way' : (err as Error).message;
    throw new YoloeTrtError('ERR_FILE_WRITE', `Cannot use ${dir} as the output folder: ${why}`, { path: dir }, { cause: err });
  }
  checkOutputPath(join(dir, 'results.json'));
}
