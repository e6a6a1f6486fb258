// Helpers of the GPU-path contract-double tests: the fake NVRTC and kernel emulation switched on
// for this process, images letterboxed by lib/image (the CPU path, OpenCV's twin), heads computed
// by ONNX Runtime on them, and the inferImages request those images make.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { NativeImageBatch } from '../../binding-tensorrt.js';
import { CpuBackend } from '../../lib/backends/cpu.js';
import { decodeImage } from '../../lib/image/decode.js';
import { letterboxGeometry } from '../../lib/image/letterbox.js';
import { letterboxInto } from '../../lib/image/pack.js';
import type { LetterboxGeometry, RgbImage } from '../../lib/types.js';
import { work } from './double.js';

/** The fake libnvrtc.so.12 built next to the fake TensorRT (native/tests/tensorrt_double/CMakeLists.txt). */
export const FAKE_NVRTC = join(process.env.TENSORRT_LIB_DIR ?? '', '..', 'fake-nvrtc', 'libnvrtc.so.12');

/**
 * Kernels for this process: NVRTC is the fake one and the fake driver runs launches on the host
 * (set before the first launch: the addon searches NVRTC once per process).
 */
export function useFakeKernels(emulate: boolean): void {
  process.env.YOLOE_TRT_NVRTC = FAKE_NVRTC;
  process.env.YOLOE_TRT_KERNEL_CACHE = 'off';
  process.env.YOLOE_FAKE_KERNELS = emulate ? '1' : '0';
}

export interface Letterboxed {
  image: RgbImage;
  geometry: LetterboxGeometry;
}

export async function letterboxed(path: string, size: number): Promise<Letterboxed> {
  const image = await decodeImage(path);
  return { image, geometry: letterboxGeometry(image.width, image.height, size, size) };
}

/** lib/image's CPU letterbox of a batch: [B, 3, size, size], float32 or fp16 bits. */
export function cpuTensor(batch: Letterboxed[], size: number, fp16 = false): Float32Array | Uint16Array {
  const out = fp16 ? new Uint16Array(batch.length * 3 * size * size) : new Float32Array(batch.length * 3 * size * size);
  batch.forEach((b, i) => letterboxInto(b.image, b.geometry, out, i * 3 * size * size));
  return out;
}

/** The inferImages request of these images (geometry from lib/image/letterbox.ts). */
export function imageBatch(batch: Letterboxed[], size: number, extra: Partial<NativeImageBatch> = {}): NativeImageBatch {
  return {
    images: batch.map(({ image, geometry }) => ({
      data: image.data,
      width: image.width,
      height: image.height,
      newWidth: geometry.newWidth,
      newHeight: geometry.newHeight,
      left: geometry.left,
      top: geometry.top,
    })),
    inputWidth: size,
    inputHeight: size,
    ...extra,
  };
}

/** ONNX Runtime's outputs of `model` for each image alone (batch-1 exports), concatenated per output. */
export async function onnxOutputs(model: string, batch: Letterboxed[], size: number): Promise<Record<string, { dims: number[]; data: Float32Array }>> {
  const cpu = await CpuBackend.create(model);
  const per: Record<string, { dims: number[]; data: Float32Array }[]> = {};
  try {
    for (const b of batch) {
      const tensor = cpuTensor([b], size) as Float32Array;
      const out = await cpu.run({ images: { dtype: 'float32', dims: [1, 3, size, size], data: tensor } });
      for (const [name, t] of Object.entries(out)) (per[name] ??= []).push({ dims: t.dims, data: t.data as Float32Array });
    }
  } finally {
    await cpu.dispose();
  }
  const result: Record<string, { dims: number[]; data: Float32Array }> = {};
  for (const [name, list] of Object.entries(per)) {
    const data = new Float32Array(list.reduce((n, t) => n + t.data.length, 0));
    let at = 0;
    for (const t of list) {
      data.set(t.data, at);
      at += t.data.length;
    }
    result[name] = { dims: [list.length, ...list[0].dims.slice(1)], data };
  }
  return result;
}

let dataCount = 0;
/** A raw little-endian file for a plan's `data` directive. */
export function dataFile(values: Float32Array | Uint16Array): string {
  const path = join(work, `data-${dataCount++}.bin`);
  writeFileSync(path, new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return path;
}
