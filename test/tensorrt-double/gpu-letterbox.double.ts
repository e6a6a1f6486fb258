// inferImages through the contract double with the kernels emulated on the host (the generated
// CUDA source built as C++): the GPU letterbox must put into the engine input the same bytes as
// lib/image's CPU letterbox (OpenCV's twin), the engine's other inputs arrive from host memory,
// profile phases are counted only when asked, nothing is allocated per run, and bad requests are
// typed errors.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { NativeEngineHandle } from '../../binding-tensorrt.js';
import { IMAGES } from '../fixtures.js';
import { binding, clearLog, log, violations, work, writePlan } from './double.js';
import { cpuTensor, imageBatch, letterboxed, useFakeKernels, type Letterboxed } from './gpu.js';

useFakeKernels(true);
const trt = binding();
const SIZE = 320;
let images: Letterboxed[];

beforeAll(async () => {
  images = [await letterboxed(IMAGES.bus(), SIZE), await letterboxed(IMAGES.zidane(), SIZE)];
});

function bytes(view: Float32Array | Uint16Array): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

async function withEngine<T>(plan: string, fn: (handle: NativeEngineHandle) => Promise<T>, options: Parameters<typeof trt.loadEngine>[1] = {}): Promise<T> {
  const handle = await trt.loadEngine(plan, options);
  try {
    return await fn(handle);
  } finally {
    trt.releaseEngine(handle);
  }
}

const codeOf = async (p: Promise<unknown>): Promise<{ code?: string; message: string }> => p.then(() => ({ message: 'resolved' }), (e) => e);

describe('GPU letterbox (emulated kernel) into the engine input', () => {
  for (const dtype of ['float32', 'float16'] as const) {
    it(`writes the CPU letterbox's bytes into a ${dtype} input, a batch of two images`, async () => {
      const dump = join(work, `images-${dtype}.bin`);
      const plan = writePlan(
        [
          { name: 'images', io: 'input', dtype, dims: [-1, 3, SIZE, SIZE], min: [1, 3, SIZE, SIZE], opt: [2, 3, SIZE, SIZE], max: [2, 3, SIZE, SIZE] },
          { name: 'out', io: 'output', dims: [-1, 2] },
        ],
        `dump images ${dump}\n`,
      );
      clearLog();
      const run = await withEngine(plan, (h) => trt.inferImages(h, imageBatch(images, SIZE)));
      expect(run.outputs.map((o) => o.name)).toEqual(['out']);
      expect(run.compacted).toBeUndefined();
      const expected = bytes(cpuTensor(images, SIZE, dtype === 'float16'));
      const got = readFileSync(dump);
      expect(got.length).toBe(expected.length);
      expect(got.equals(expected)).toBe(true);
      expect(log()).toContain('CALL cuLaunchKernel yoloe_letterbox');
      expect(violations()).toEqual([]);
    });
  }

  it('an image input named among two, and class_embeddings from host memory', async () => {
    const imageDump = join(work, 'two-inputs-images.bin');
    const embeddingDump = join(work, 'two-inputs-embeddings.bin');
    const plan = writePlan(
      [
        { name: 'class_embeddings', io: 'input', dims: [1, 4, 8] },
        { name: 'images', io: 'input', dims: [1, 3, SIZE, SIZE] },
        { name: 'out', io: 'output', dims: [1, 2] },
      ],
      `dump images ${imageDump}\ndump class_embeddings ${embeddingDump}\n`,
    );
    const embeddings = Float32Array.from({ length: 32 }, (_, i) => i / 4 - 3);
    await withEngine(plan, async (h) => {
      await trt.inferImages(h, imageBatch([images[0]], SIZE, { imageInput: 'images', inputs: [{ name: 'class_embeddings', dims: [1, 4, 8], data: embeddings }] }));
      expect(readFileSync(imageDump).equals(bytes(cpuTensor([images[0]], SIZE)))).toBe(true);
      expect(readFileSync(embeddingDump).equals(bytes(embeddings))).toBe(true);
      // two inputs and none named: which one takes the images is not guessed
      expect(await codeOf(trt.inferImages(h, imageBatch([images[0]], SIZE, { inputs: [{ name: 'class_embeddings', dims: [1, 4, 8], data: embeddings }] }))))
        .toMatchObject({ code: 'ERR_SHAPE', message: expect.stringMatching(/name the one the images go to \(imageInput\)/) });
      const bad = async (extra: object) => codeOf((async () => trt.inferImages(h, imageBatch([images[0]], SIZE, { imageInput: 'images', ...extra })))());
      expect(await bad({})).toMatchObject({ code: 'ERR_SHAPE', message: "Missing input 'class_embeddings'" });
      expect(await bad({ imageInput: 'nope', inputs: [] })).toMatchObject({ code: 'ERR_SHAPE', message: expect.stringContaining("no input named 'nope'") });
      expect(await bad({ inputs: [{ name: 'class_embeddings', dims: [1, 4, 8], data: new Int32Array(32) }] }))
        .toMatchObject({ code: 'ERR_SHAPE', message: "Input 'class_embeddings' must be float32, got int32" });
      expect(await bad({ inputs: [{ name: 'class_embeddings', dims: [1, 4, 8], data: embeddings.subarray(0, 31) }] }))
        .toMatchObject({ code: 'ERR_SHAPE', message: expect.stringMatching(/Input 'class_embeddings' has 124 bytes.* needs 128/) });
      expect(await bad({ inputs: [{ name: 'images', dims: [1, 3, SIZE, SIZE], data: new Float32Array(3 * SIZE * SIZE) }] }))
        .toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringContaining("received the image input 'images'") });
      expect(await bad({ inputs: [{ name: 'text', dims: [1], data: new Float32Array(1) }] }))
        .toMatchObject({ code: 'ERR_SHAPE', message: expect.stringContaining("no input named 'text'") });
      const twice = { name: 'class_embeddings', dims: [1, 4, 8], data: embeddings };
      expect(await bad({ inputs: [twice, twice] }))
        .toMatchObject({ code: 'ERR_SHAPE', message: expect.stringMatching(/^Unknown, repeated or image input names among the inputs \(the engine's other inputs are 1\)/) });
      expect(await bad({ inputs: 'class_embeddings' })).toMatchObject({ code: 'ERR_INVALID_OPTION', message: expect.stringMatching(/^Expected an array of input tensors for inputs but received/) });
    });
    expect(violations()).toEqual([]);
  });
});

describe('profile phases and allocations', () => {
  const plan = (): string =>
    writePlan([
      { name: 'images', io: 'input', dims: [1, 3, SIZE, SIZE] },
      { name: 'out', io: 'output', dims: [1, 2] },
    ]);

  it('phases are counted with profile: true only', async () => {
    await withEngine(plan(), async (h) => {
      await trt.inferImages(h, imageBatch([images[0]], SIZE));
      await trt.inferImages(h, imageBatch([images[1]], SIZE));
      const { phases } = trt.engineInfo(h).stats;
      expect(phases?.runs).toBe(2);
      for (const key of ['upload', 'letterbox', 'enqueue', 'compact', 'download'] as const) {
        expect(typeof phases?.[key]).toBe('number');
        expect(phases![key]).toBeGreaterThanOrEqual(0);
      }
      // the emulated letterbox runs on this CPU: its phase is the one that takes time here
      expect(phases!.letterbox).toBeGreaterThan(0);
    }, { profile: true });
    await withEngine(plan(), async (h) => {
      await trt.inferImages(h, imageBatch([images[0]], SIZE));
      expect(trt.engineInfo(h).stats.phases).toBeUndefined();
      expect(trt.engineInfo(h).stats.runs).toBe(1);
    });
  });

  it('a second run of the same shapes allocates no device memory, compaction included', async () => {
    // a raw head of 2 classes over 8 anchors (the fake fills it with in * 2 + 1: every score passes)
    const compactPlan = writePlan([
      { name: 'images', io: 'input', dims: [1, 3, SIZE, SIZE] },
      { name: 'out', io: 'output', dims: [1, 6, 8] },
    ]);
    const request = imageBatch([images[0]], SIZE, { compact: { output: 'out', nc: 2, nm: 0, conf: 0.25, multiLabel: true, classes: [1], capacity: 8 } });
    await withEngine(compactPlan, async (h) => {
      const first = await trt.inferImages(h, request);
      expect(first.compacted?.counts).toEqual([8]);
      clearLog();
      const second = await trt.inferImages(h, request);
      expect(second.compacted?.counts).toEqual([8]);
      expect(log().filter((l) => l.startsWith('CALL cuMemAlloc'))).toEqual([]);
      expect(log()).toEqual(expect.arrayContaining(['CALL cuLaunchKernel yoloe_letterbox', 'CALL cuLaunchKernel yoloe_decode_f32']));
    }, { maxContexts: 1 });
  });
});
