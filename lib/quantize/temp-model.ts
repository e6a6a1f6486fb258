/**
 * Opens model bytes as a Model through a temporary file (loadModel reads files), removing the
 * file afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel, type Model } from '../model.js';

export async function withModel<T>(model: string | Uint8Array, fn: (m: Model, path: string) => Promise<T>, threads?: number): Promise<T> {
  let dir: string | undefined;
  let path: string;
  if (typeof model === 'string') path = model;
  else {
    dir = mkdtempSync(join(tmpdir(), 'yoloe-trt-q-'));
    path = join(dir, 'model.onnx');
    writeFileSync(path, model);
  }
  const m = await loadModel(path, { backend: 'cpu', ...(threads ? { threads } : {}) });
  try {
    return await fn(m, path);
  } finally {
    await m.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
