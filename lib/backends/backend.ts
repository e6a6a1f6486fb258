import type { CompactRequest, CompactedHead, LetterboxGeometry, RgbImage, Tensor, TensorInfo } from '../types.js';

/**
 * One inference engine. Backends know nothing of YOLO: tensors in, tensors out.
 * Implementations: cpu.ts (onnxruntime-node), tensorrt.ts (the native addon).
 */
export interface Backend {
  readonly name: 'cpu' | 'tensorrt';
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  /** Runs one batch. Safe to call concurrently; implementations serialise or pool as needed. */
  run(feeds: Record<string, Tensor>, outputNames?: string[]): Promise<Record<string, Tensor>>;
  dispose(): Promise<void>;
}

export interface BackendOptions {
  /** CPU threads for intra-op parallelism (cpu backend); default: ONNX Runtime's choice */
  threads?: number;
  /** allow ONNX Runtime threads to spin after a run; default false (spinning steals cores from other sessions) */
  spinning?: boolean;
}

/** What runImages needs besides the images and their letterbox geometries. */
export interface ImageRunOptions {
  /** border grey level; default 114 */
  padValue?: number;
  /** the image input's name; default the engine's only input */
  imageInput?: string;
  /** the model's other inputs (e.g. class embeddings), by name */
  inputs?: Record<string, Tensor>;
  /** compact this raw head's candidates on the device instead of copying it back */
  compact?: CompactRequest;
}

export interface ImageRun {
  /** every output, except the head when it came back compacted */
  outputs: Record<string, Tensor>;
  /** absent when not asked for, or when an image had more candidates than the capacity (the head is then in `outputs`) */
  compacted?: CompactedHead;
}

/**
 * A backend that letterboxes decoded pixels on its device into the model's input (TensorRT's
 * CUDA twin of lib/image) and can compact a raw head's candidates there.
 */
export interface ImageBackend extends Backend {
  /** whether the device kernels are present, as far as is known before a run (a run may still find them unusable: ERR_BACKEND_UNAVAILABLE) */
  gpuPreprocessing(): { usable: boolean; reason?: string };
  runImages(images: RgbImage[], geometries: LetterboxGeometry[], options?: ImageRunOptions): Promise<ImageRun>;
}

/** True for a backend with a device letterbox (the TensorRT backend, or a test double of it). */
export function isImageBackend(backend: Backend): backend is ImageBackend {
  const b = backend as Partial<ImageBackend>;
  return typeof b.runImages === 'function' && typeof b.gpuPreprocessing === 'function';
}
