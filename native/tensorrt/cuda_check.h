// CUDA driver API status -> BackendError, with the call that failed in the message. Every CUDA
// call of native/tensorrt goes through native/cuda/driver_api.h (libcuda.so.1 resolved at run
// time; a host-memory table in the tests), never through the CUDA runtime library.
#pragma once

#include <string>

#include "cuda/driver_api.h"
#include "errors.h"

namespace yoloe::trt {

inline constexpr cuda::CUresult kCudaErrorInsufficientDriver = 35;  // CUDA_ERROR_INSUFFICIENT_DRIVER (cuda.h)

// The driver table, or ERR_BACKEND_UNAVAILABLE naming why libcuda.so.1 is unusable.
const cuda::DriverApi& driver();

inline void cudaCheck(cuda::CUresult status, const char* what) {
  if (status == cuda::kCudaSuccess) return;
  // No driver / no device / a driver older than the API: the backend is unusable here, not broken.
  if (status == kCudaErrorInsufficientDriver || status == cuda::kCudaErrorSystemDriverMismatch) {
    throw BackendError(kErrUnavailable, "The NVIDIA driver is too old for this build: " + cuda::describeCudaError(status, what));
  }
  const bool unavailable = status == cuda::kCudaErrorNoDevice || status == cuda::kCudaErrorNotInitialized;
  throw BackendError(unavailable ? kErrUnavailable : kErrBackend,
                     std::string(unavailable ? "No usable NVIDIA driver or CUDA GPU: " : "") + cuda::describeCudaError(status, what));
}

// The primary context of one device (the one TensorRT and the CUDA runtime use there), retained
// for the owner's lifetime and made current on the calling thread by makeCurrent().
class DeviceContext {
 public:
  explicit DeviceContext(int device);
  ~DeviceContext();
  DeviceContext(const DeviceContext&) = delete;
  DeviceContext& operator=(const DeviceContext&) = delete;
  void makeCurrent() const;
  int device() const { return device_; }

 private:
  int device_ = 0;
  cuda::CUdevice handle_ = 0;
  cuda::CUcontext context_ = nullptr;
};

}  // namespace yoloe::trt
