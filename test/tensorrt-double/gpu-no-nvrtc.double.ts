// inferImages on a machine without NVRTC (the CUDA run-time compiler): ERR_BACKEND_UNAVAILABLE
// naming it and what to install. The driver is made a CUDA 11.4 one so that the search looks for
// libnvrtc.so.11 only (a newer NVRTC's images may not load on it), which this machine lacks, and
// YOLOE_TRT_NVRTC names a file that does not exist.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { IMAGES } from '../fixtures.js';
import { binding, violations, work, writePlan } from './double.js';
import { imageBatch, letterboxed } from './gpu.js';

const missing = join(work, 'no-such-dir', 'libnvrtc.so.12');
process.env.YOLOE_TRT_NVRTC = missing;
process.env.YOLOE_FAKE_DRIVER = '11040';
process.env.YOLOE_FAKE_KERNELS = '1'; // the driver would run them: NVRTC is what is missing
process.env.VIRTUAL_ENV = work;
process.env.HOME = work;
const trt = binding();

it('no NVRTC: ERR_BACKEND_UNAVAILABLE naming the library and the fix', async () => {
  const handle = await trt.loadEngine(writePlan([
    { name: 'images', io: 'input', dims: [1, 3, 8, 8] },
    { name: 'out', io: 'output', dims: [1, 2] },
  ]));
  const error = await trt.inferImages(handle, imageBatch([await letterboxed(IMAGES.bus(), 8)], 8)).catch((e) => e);
  expect(error).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
  expect(error.message).toMatch(/^The GPU kernels are not available on this machine \(launchLetterboxBatch\): NVRTC \(libnvrtc\.so\.13\/12\/11, the CUDA run-time compiler\) not found; tried:/);
  expect(error.message).toContain(`\n  ${missing}`);
  expect(error.message).toContain('install NVRTC');
  trt.releaseEngine(handle);
  expect(violations()).toEqual([]);
});
