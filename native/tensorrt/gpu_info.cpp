#include "gpu_info.h"

#include <cuda_runtime_api.h>

#include "cuda_check.h"

namespace yoloe::trt {

GpuDescription selectGpu(int device) {
  int count = 0;
  cudaCheck(cudaGetDeviceCount(&count), "cudaGetDeviceCount");
  if (device < 0 || device >= count) {
    throw BackendError(kErrUnavailable, "CUDA device " + std::to_string(device) + " does not exist (" +
                                            std::to_string(count) + " device(s) found)");
  }
  cudaCheck(cudaSetDevice(device), "cudaSetDevice");
  cudaDeviceProp properties{};
  cudaCheck(cudaGetDeviceProperties(&properties, device), "cudaGetDeviceProperties");
  GpuDescription gpu;
  gpu.name = properties.name;
  gpu.computeMajor = properties.major;
  gpu.computeMinor = properties.minor;
  gpu.integrated = properties.integrated != 0 && properties.canMapHostMemory != 0;
  gpu.totalMemory = properties.totalGlobalMem;
  return gpu;
}

}  // namespace yoloe::trt
