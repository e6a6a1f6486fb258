// The TensorRT contract double's tests: run by test/tensorrt-double.test.ts in a child process
// whose environment points TensorRT and CUDA at the fakes (native/tests/tensorrt_double).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/tensorrt-double/**/*.double.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    // one process per file: the gpu-*.double.ts files set the kernels' environment (NVRTC is
    // searched and the kernel module loaded once per process)
    isolate: true,
  },
});
