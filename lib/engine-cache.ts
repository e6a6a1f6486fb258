import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import type { EnginePrecision } from './backends/engine-file.js';
import { requireTensorRt } from './backends/tensorrt.js';
import { buildEngine, type ShapeRange } from './build-engine.js';
import { YoloeTrtError } from './errors.js';

/** What identifies a cached engine: a plan only runs where all of these are the same. */
export interface EngineCacheKey {
  onnxDigest: string;
  tensorrt: string;
  gpu: string;
  precision: EnginePrecision;
  shapes: ShapeRange[];
  device: number;
}

/** The cache file for `key`: `<cacheDir>/<model>-<16 hex digits of the key's digest>.engine`. */
export function cachedEnginePath(cacheDir: string, onnx: string, key: EngineCacheKey): string {
  const digest = createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 16);
  return join(resolve(cacheDir), `${basename(onnx, extname(onnx))}-${digest}.engine`);
}

/**
 * The engine for `onnx` on this machine: the cached one when its key (ONNX digest, TensorRT
 * version and build, GPU and compute capability, precision, shapes, device) matches, else a fresh
 * build written to the cache. A cached engine TensorRT or the GPU refuses (ERR_ENGINE_MISMATCH)
 * is rebuilt from the ONNX and replaced (atomically).
 * @example const path = await ensureCachedEngine('yolo.onnx', { cacheDir: '.engines', precision: 'fp16' });
 */
export async function ensureCachedEngine(
  onnx: string,
  options: { cacheDir: string; precision: EnginePrecision; shapes?: ShapeRange[]; device: number },
  open: (engine: string) => Promise<void>,
): Promise<{ engine: string; built: boolean; rebuiltBecause?: string }> {
  const { runtime } = requireTensorRt(options.device);
  const key: EngineCacheKey = {
    onnxDigest: createHash('sha256').update(readFileSync(onnx)).digest('hex'),
    tensorrt: `${runtime.tensorrtVersion ?? '?'}.${runtime.tensorrtBuild ?? '?'}`,
    gpu: runtime.gpu ? `${runtime.gpu.name} ${runtime.gpu.computeCapability}` : 'unknown',
    precision: options.precision,
    shapes: options.shapes ?? [],
    device: options.device,
  };
  mkdirSync(resolve(options.cacheDir), { recursive: true });
  const engine = cachedEnginePath(options.cacheDir, onnx, key);
  const build = async (): Promise<void> => {
    await buildEngine({ onnx, output: engine, precision: options.precision, device: options.device, ...(options.shapes?.length && { shapes: options.shapes }) });
  };
  if (!existsSync(engine)) {
    await build();
    await open(engine);
    return { engine, built: true };
  }
  try {
    await open(engine);
    return { engine, built: false };
  } catch (err) {
    if (!(err instanceof YoloeTrtError) || err.code !== 'ERR_ENGINE_MISMATCH') throw err;
    await build();
    await open(engine);
    return { engine, built: true, rebuiltBecause: err.message };
  }
}
