// inferImages when the GPU kernels cannot be used (here: the driver refuses the compiled image,
// as the fake libcuda does unless YOLOE_FAKE_KERNELS=1): a typed ERR_BACKEND_UNAVAILABLE naming
// why, so the TypeScript side can fall back to the CPU path, and the engine keeps working.
import { expect, it } from 'vitest';
import { IMAGES } from '../fixtures.js';
import { binding, log, ramp, violations, writePlan } from './double.js';
import { imageBatch, letterboxed, useFakeKernels } from './gpu.js';

useFakeKernels(false);
const trt = binding();

it('kernels unavailable: ERR_BACKEND_UNAVAILABLE with the reason, then infer() still runs', async () => {
  const plan = writePlan([
    { name: 'images', io: 'input', dims: [1, 3, 4, 4] },
    { name: 'out', io: 'output', dims: [1, 5, 3] }, // a raw head of one class: [1, 4 + 1, N]
  ]);
  const handle = await trt.loadEngine(plan);
  const bus = await letterboxed(IMAGES.bus(), 4);
  for (let attempt = 0; attempt < 2; attempt++) {
    const error = await trt.inferImages(handle, imageBatch([bus], 4, { compact: { output: 'out', nc: 1, nm: 0, conf: 0.25, multiLabel: false, capacity: 8 } })).catch((e) => e);
    expect(error).toMatchObject({
      code: 'ERR_BACKEND_UNAVAILABLE',
      message: expect.stringMatching(/^The GPU kernels are not available on this machine \(launchLetterboxBatch\): cuModuleLoadData \(kernels for sm_86\).*CUDA_ERROR_NOT_SUPPORTED/),
    });
  }
  // the fake NVRTC compiled for the fake GPU's architecture, once per process
  expect(log().filter((l) => l.startsWith('CALL nvrtcCompileProgram'))).toEqual(['CALL nvrtcCompileProgram --gpu-architecture=sm_86 --std=c++17 --fmad=false']);
  const [out] = await trt.infer(handle, [{ name: 'images', dims: [1, 3, 4, 4], data: ramp(48) }]);
  expect(out.dims).toEqual([1, 5, 3]);
  trt.releaseEngine(handle);
  expect(violations()).toEqual([]);
});
