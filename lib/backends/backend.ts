import type { Tensor, TensorInfo } from '../types.js';

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
