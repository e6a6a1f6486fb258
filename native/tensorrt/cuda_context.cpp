#include "cuda_check.h"

namespace yoloe::trt {

const cuda::DriverApi& driver() {
  const cuda::DriverApi& api = cuda::driverApi();
  if (api.cuDeviceGetCount == nullptr) {
    const std::string why = cuda::driverLoadError();
    throw BackendError(kErrUnavailable, "No usable NVIDIA driver: " + (why.empty() ? std::string("libcuda.so.1 is not loaded") : why));
  }
  return api;
}

DeviceContext::DeviceContext(int device) : device_(device) {
  const cuda::DriverApi& api = driver();
  int count = 0;
  cudaCheck(api.cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (device < 0 || device >= count) {
    throw BackendError(kErrUnavailable, "CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(count) +
                                            " device(s) found)");
  }
  cudaCheck(api.cuDeviceGet(&handle_, device), "cuDeviceGet");
  cudaCheck(api.cuDevicePrimaryCtxRetain(&context_, handle_), "cuDevicePrimaryCtxRetain");
  makeCurrent();
}

DeviceContext::~DeviceContext() {
  if (context_ != nullptr) cuda::driverApi().cuDevicePrimaryCtxRelease(handle_);
}

void DeviceContext::makeCurrent() const { cudaCheck(driver().cuCtxSetCurrent(context_), "cuCtxSetCurrent"); }

}  // namespace yoloe::trt
