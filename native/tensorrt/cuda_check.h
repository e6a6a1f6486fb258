// CUDA runtime status -> BackendError, with the call that failed in the message.
#pragma once

#include <cuda_runtime_api.h>

#include <string>

#include "errors.h"

namespace yoloe::trt {

inline void cudaCheck(cudaError_t status, const char* what) {
  if (status == cudaSuccess) return;
  // No driver / no device: the backend is unusable here, not broken.
  const bool unavailable = status == cudaErrorNoDevice || status == cudaErrorInsufficientDriver;
  throw BackendError(unavailable ? kErrUnavailable : kErrBackend,
                     std::string(unavailable ? "No usable NVIDIA driver or CUDA GPU: " : "") + what + " failed: " + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) + ")");
}

}  // namespace yoloe::trt
