import { YoloeTrtError } from './errors.js';
import { isImageBackend, type Backend, type ImageBackend } from './backends/backend.js';
import { MAX_NMS_CANDIDATES } from './decode/options.js';
import type { CompactRequest, DecodeOptions, HeadLayout } from './types.js';

/** loadModel's `preprocess` values. */
export const PREPROCESS_CHOICES = ['auto', 'gpu', 'cpu'] as const;
export type PreprocessChoice = (typeof PREPROCESS_CHOICES)[number];

/** Where a model letterboxes, and the device backend when that is the GPU. */
export interface PreprocessingPlan {
  where: 'gpu' | 'cpu';
  /** why the CPU although the backend is TensorRT ('auto' only) */
  reason?: string;
  device?: ImageBackend;
}

/**
 * Decides at load where detect() letterboxes: 'auto' takes the GPU when the backend has the
 * device kernels, 'gpu' insists (a typed error naming why it cannot), 'cpu' never tries.
 * Whether NVRTC and the GPU can run the kernels is learnt by the first run (see gpuUnavailable).
 * @throws ERR_INVALID_OPTION for 'gpu' on the CPU backend; ERR_BACKEND_UNAVAILABLE for 'gpu' without the kernels
 */
export function planPreprocessing(choice: PreprocessChoice, backend: Backend): PreprocessingPlan {
  if (choice === 'cpu') return { where: 'cpu' };
  if (!isImageBackend(backend)) {
    if (choice === 'gpu') {
      throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a TensorRT engine (backend 'tensorrt') for preprocess 'gpu' but received a model on backend '${backend.name}'`, { option: 'preprocess' });
    }
    return { where: 'cpu' };
  }
  const status = backend.gpuPreprocessing();
  if (status.usable) return { where: 'gpu', device: backend };
  const reason = status.reason ?? 'the backend cannot letterbox on the GPU';
  if (choice === 'gpu') throw new YoloeTrtError('ERR_BACKEND_UNAVAILABLE', `GPU preprocessing (preprocess 'gpu') cannot run: ${reason}`, { option: 'preprocess', reason });
  return { where: 'cpu', reason };
}

/** True for the typed error a device run gives when its kernels cannot run here (no NVRTC, unsupported GPU). */
export function gpuUnavailable(err: unknown): err is YoloeTrtError {
  return err instanceof YoloeTrtError && err.code === 'ERR_BACKEND_UNAVAILABLE';
}

/** YOLO heads predict at strides 8, 16 and 32: the anchors of an input whose head's N is dynamic. */
function estimatedAnchors(width: number, height: number): number {
  return [8, 16, 32].reduce((sum, s) => sum + Math.ceil(width / s) * Math.ceil(height / s), 0);
}

/**
 * The compaction a raw `[B, 4 + nc + nm, N]` head gets on the device for these decode options,
 * or undefined for heads the kernel does not read (end-to-end, transposed). Capacity: one
 * candidate per anchor single-label (so it never overflows), multiLabel min(anchors * nc, the
 * maxNms bound); an image with more candidates brings the whole head back, decoded as usual.
 * Dynamic N (dynamic-shape engines, data-dependent prompt-free heads) is estimated from the input size.
 */
export function compactRequest(layout: HeadLayout, decode: DecodeOptions, inputWidth: number, inputHeight: number): CompactRequest | undefined {
  if (layout.kind !== 'raw' || layout.transposed) return undefined;
  const anchors = layout.anchors > 0 ? layout.anchors : estimatedAnchors(inputWidth, inputHeight);
  const capacity = decode.multiLabel ? Math.min(anchors * layout.nc, MAX_NMS_CANDIDATES) : anchors;
  return {
    output: layout.output,
    nc: layout.nc,
    nm: layout.nm,
    conf: decode.conf,
    multiLabel: decode.multiLabel,
    ...(decode.classes !== undefined && { classes: [...decode.classes] }),
    capacity,
  };
}
