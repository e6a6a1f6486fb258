import { describe, expect, it } from 'vitest';
import type { NativeEngineHandle, NativeEngineInfo, NativeImageBatch, NativeImageRun, TensorRtBinding } from '../binding-tensorrt.js';
import type { EngineHeader } from '../lib/backends/engine-file.js';
import { TensorRtBackend } from '../lib/backends/tensorrt.js';
import { letterboxGeometry } from '../lib/image/letterbox.js';
import type { CompactRequest, RgbImage } from '../lib/types.js';

/**
 * TensorRtBackend.runImages against a fake `binding.tensorrt` (the addon's inferImages as
 * binding-tensorrt.d.ts states it): what crosses into the addon, what comes back, and errors.
 */
function engineInfo(gpuPreprocessing: boolean): NativeEngineInfo {
  return {
    inputs: [
      { name: 'images', dtype: 'float32', dims: [1, 3, 320, 320] },
      { name: 'class_embeddings', dtype: 'float32', dims: [1, -1, 512], min: [1, 1, 512], opt: [1, 80, 512], max: [1, 1203, 512] },
    ],
    outputs: [
      { name: 'output0', dtype: 'float32', dims: [1, -1, 2100] },
      { name: 'output1', dtype: 'float32', dims: [1, 32, 80, 80] },
    ],
    tensorrtVersion: '10.3.0',
    gpu: { name: 'Orin', computeCapability: '8.7', integrated: true, memoryBytes: 1 },
    zeroCopy: false,
    gpuPreprocessing,
    stats: { contexts: 1, contextFailures: 0, runs: 0, graphReplays: 0, graphsDisabled: false },
  };
}

function fakeBinding(answer: (batch: NativeImageBatch) => Promise<NativeImageRun>, gpuPreprocessing = true) {
  const batches: NativeImageBatch[] = [];
  const binding = {
    engineInfo: () => engineInfo(gpuPreprocessing),
    inferImages: (_: NativeEngineHandle, batch: NativeImageBatch) => {
      batches.push(batch);
      return answer(batch);
    },
    releaseEngine: () => undefined,
  } as unknown as TensorRtBinding;
  const header = { kind: 'raw', planOffset: 0, metadata: null } as unknown as EngineHeader;
  // the constructor is private: open() needs a real libnvinfer
  const Ctor = TensorRtBackend as unknown as new (...args: unknown[]) => TensorRtBackend;
  return { backend: new Ctor(binding, {} as NativeEngineHandle, header, [], 2), batches };
}

const image: RgbImage = { data: new Uint8Array(640 * 360 * 3).fill(7), width: 640, height: 360 };
const geometry = letterboxGeometry(640, 360, 320, 320);
const embeddings = { dtype: 'float32' as const, dims: [1, 2, 512], data: new Float32Array(1024).fill(0.5) };
const compact: CompactRequest = { output: 'output0', nc: 2, nm: 32, conf: 0.25, multiLabel: false, classes: [1], capacity: 2100 };

describe('TensorRtBackend.runImages', () => {
  it('hands the addon the pixels, the geometry, the other inputs and the compaction; returns outputs and the compacted head', async () => {
    const protos = new Float32Array(16).fill(2); // sizes do not matter to the marshalling
    const compacted = { output: 'output0', anchors: 2100, counts: [1], boxes: new Float32Array([1, 2, 3, 4, 0.9]), classIds: new Int32Array([1]), indices: new Int32Array([17]), coefficients: new Float32Array(64).fill(3) };
    const { backend, batches } = fakeBinding(async () => ({ outputs: [{ name: 'output1', dtype: 'float32', dims: [1, 32, 80, 80], data: protos }], compacted }));
    const run = await backend.runImages([image], [geometry], { imageInput: 'images', inputs: { class_embeddings: embeddings }, compact });
    expect(batches).toEqual([{
      images: [{ data: image.data, width: 640, height: 360, newWidth: 320, newHeight: 180, left: 0, top: 70 }],
      inputWidth: 320,
      inputHeight: 320,
      padValue: 114,
      imageInput: 'images',
      inputs: [{ name: 'class_embeddings', dims: [1, 2, 512], data: embeddings.data }],
      compact,
    }]);
    expect(batches[0]!.images[0]!.data).toBe(image.data); // no copy on the JavaScript side
    expect(run.outputs).toEqual({ output1: { dtype: 'float32', dims: [1, 32, 80, 80], data: protos } });
    expect(run.compacted).toEqual(compacted);
    expect(run.compacted!.boxes).toBe(compacted.boxes);
  });

  it('overflow: no compacted head, the full head among the outputs', async () => {
    const head = new Float32Array(38 * 2100);
    const { backend } = fakeBinding(async () => ({ outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 38, 2100], data: head }] }));
    const run = await backend.runImages([image], [geometry], { padValue: 0, compact });
    expect(run).toEqual({ outputs: { output0: { dtype: 'float32', dims: [1, 38, 2100], data: head } } });
  });

  it('kernels that cannot run reject with a typed ERR_BACKEND_UNAVAILABLE', async () => {
    const { backend } = fakeBinding(async () => {
      throw Object.assign(new Error('NVRTC could not be loaded'), { code: 'ERR_BACKEND_UNAVAILABLE' });
    });
    await expect(backend.runImages([image], [geometry])).rejects.toMatchObject({ name: 'YoloeTrtError', code: 'ERR_BACKEND_UNAVAILABLE', message: 'NVRTC could not be loaded' });
  });

  it('gpuPreprocessing() says whether the addon has the kernels', () => {
    expect(fakeBinding(async () => ({ outputs: [] })).backend.gpuPreprocessing()).toEqual({ usable: true });
    expect(fakeBinding(async () => ({ outputs: [] }), false).backend.gpuPreprocessing()).toEqual({ usable: false, reason: 'the native addon was built without the CUDA preprocessing kernels (native/cuda)' });
  });

  it('bad arguments are typed errors before anything native', async () => {
    const { backend, batches } = fakeBinding(async () => ({ outputs: [] }));
    const other = letterboxGeometry(640, 360, 640, 640);
    await expect(backend.runImages([image], [])).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'Expected one letterbox geometry per image for runImages but received 1 images and 0 geometries' });
    await expect(backend.runImages([image, image], [geometry, other])).rejects.toMatchObject({ code: 'ERR_SHAPE', message: 'All images of a batch must be letterboxed to the same input size' });
    await expect(backend.runImages([{ ...image, width: 641 }], [geometry])).rejects.toMatchObject({ code: 'ERR_SHAPE' });
    await expect(backend.runImages([{ ...image, data: image.data.subarray(3) }], [geometry])).rejects.toMatchObject({ code: 'ERR_IMAGE_CHANNELS' });
    await expect(backend.runImages([image], [geometry], { padValue: 256 })).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION', message: 'Expected an integer >= 0 and <= 255 for padValue but received 256' });
    await expect(backend.runImages([image], [geometry], { imageInput: 'pixels' })).rejects.toMatchObject({ code: 'ERR_SHAPE', message: "The engine has no input 'pixels' (inputs: images, class_embeddings)" });
    await expect(backend.runImages([image], [geometry], { inputs: { text: embeddings } })).rejects.toMatchObject({ code: 'ERR_SHAPE', message: "The engine has no input 'text' (inputs: images, class_embeddings)" });
    await expect(backend.runImages([image], [geometry], { inputs: { class_embeddings: { ...embeddings, dtype: 'float16', data: new Uint16Array(1024) } } })).rejects.toMatchObject({ code: 'ERR_SHAPE', message: "Input 'class_embeddings' must be float32, got float16" });
    await expect(backend.runImages([image], [geometry], { compact: { ...compact, output: 'head' } })).rejects.toMatchObject({ code: 'ERR_SHAPE', message: "The engine has no output 'head' to compact (outputs: output0, output1)" });
    expect(batches).toHaveLength(0);
    await backend.dispose();
    await expect(backend.runImages([image], [geometry])).rejects.toMatchObject({ code: 'ERR_DISPOSED' });
  });
});
