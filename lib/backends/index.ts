import { extname } from 'node:path';
import { existsSync } from 'node:fs';
import { YoloeTrtError } from '../errors.js';
import type { Backend, BackendOptions } from './backend.js';
import { CpuBackend } from './cpu.js';

export type BackendChoice = 'auto' | 'cpu' | 'tensorrt';

export interface OpenedBackend {
  backend: Backend;
  format: 'onnx' | 'engine';
  /** the model's own description: ONNX metadata_props, or the engine file's metadata header */
  metadata: Record<string, string>;
}

/** Engine files are TensorRT plans; everything else is treated as ONNX. */
export function isEngineFile(path: string): boolean {
  return ['.engine', '.plan', '.trt'].includes(extname(path).toLowerCase());
}

/**
 * Opens a model file on a backend. `auto` runs engines on TensorRT and ONNX files on the CPU:
 * an ONNX file becomes a TensorRT engine only through an explicit buildEngine(), which takes minutes.
 */
export async function openBackend(path: string, choice: BackendChoice, options: BackendOptions & { device?: number; maxContexts?: number; cudaGraphs?: boolean }): Promise<OpenedBackend> {
  if (!existsSync(path)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Model file not found: ${path}`, { path });
  if (isEngineFile(path)) {
    if (choice === 'cpu') {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected an ONNX model for backend 'cpu' but received the TensorRT engine ${path}`, { option: 'backend' });
    }
    const { openTensorRtEngine } = await import('./tensorrt.js');
    const { backend, metadata } = await openTensorRtEngine(path, options);
    return { backend, format: 'engine', metadata };
  }
  if (choice === 'tensorrt') {
    throw new YoloeTrtError(
      'ERR_INVALID_OPTION',
      `Expected a TensorRT engine (.engine) for backend 'tensorrt' but received ${path}: build one first with buildEngine({ onnx: '${path}', ... })`,
      { option: 'backend' },
    );
  }
  const { readOnnxMetadata } = await import('../onnx/index.js');
  const metadata = await readOnnxMetadata(path);
  const backend = await CpuBackend.create(path, options);
  return { backend, format: 'onnx', metadata };
}
