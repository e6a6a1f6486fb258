// cuLaunchKernel with the parameter array built from the arguments: each argument must have
// exactly the type of the kernel's parameter (an int for an int flag, not a bool), since the
// driver copies sizeof(parameter) bytes from each pointer.
#pragma once

#include "driver_api.h"
#include "kernel_module.h"

namespace yoloe::cuda {

struct LaunchShape {
  unsigned gridX = 1, gridY = 1, gridZ = 1;
  unsigned blockX = 1, blockY = 1, blockZ = 1;
};

// CUDA's grid limits: x up to 2^31 - 1, y and z up to 65535.
constexpr unsigned kMaxGridYZ = 65535;

constexpr CUresult kCudaErrorInvalidHandle = 400;      // CUDA_ERROR_INVALID_HANDLE
constexpr CUresult kCudaErrorContextIsDestroyed = 709;  // CUDA_ERROR_CONTEXT_IS_DESTROYED

template <typename... Args>
CUresult launchKernel(KernelId id, const LaunchShape& s, CUstream stream, Args&... args) {
  void* params[] = {static_cast<void*>(&args)...};
  CUresult r = kCudaSuccess;
  for (int attempt = 0; attempt < 2; attempt++) {
    CUfunction f = nullptr;
    r = kernelFunction(id, &f);
    if (r != kCudaSuccess) return r;
    r = driverApi().cuLaunchKernel(f, s.gridX, s.gridY, s.gridZ, s.blockX, s.blockY, s.blockZ, 0, stream, params, nullptr);
    if (r != kCudaErrorInvalidHandle && r != kCudaErrorContextIsDestroyed) return r;
    forgetCurrentKernelModule();  // stale handles of a destroyed context: load again, once
  }
  return r;
}

}  // namespace yoloe::cuda
