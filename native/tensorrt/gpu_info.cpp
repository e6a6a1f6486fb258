#include "gpu_info.h"

#include "cuda_check.h"

namespace yoloe::trt {

GpuDescription describeGpu(int device) {
  const cuda::DriverApi& api = driver();
  int count = 0;
  cudaCheck(api.cuDeviceGetCount(&count), "cuDeviceGetCount");
  if (device < 0 || device >= count) {
    throw BackendError(kErrUnavailable, "CUDA device " + std::to_string(device) + " does not exist (" +
                                            std::to_string(count) + " device(s) found)");
  }
  cuda::CUdevice handle = 0;
  cudaCheck(api.cuDeviceGet(&handle, device), "cuDeviceGet");
  char name[256] = {};
  cudaCheck(api.cuDeviceGetName(name, static_cast<int>(sizeof(name) - 1), handle), "cuDeviceGetName");
  auto attribute = [&](int which, const char* what) {
    int value = 0;
    cudaCheck(api.cuDeviceGetAttribute(&value, which, handle), what);
    return value;
  };
  GpuDescription gpu;
  gpu.name = name;
  gpu.computeMajor = attribute(cuda::kAttrComputeCapabilityMajor, "cuDeviceGetAttribute (compute capability major)");
  gpu.computeMinor = attribute(cuda::kAttrComputeCapabilityMinor, "cuDeviceGetAttribute (compute capability minor)");
  gpu.integrated = attribute(cuda::kAttrIntegrated, "cuDeviceGetAttribute (integrated)") != 0 &&
                   attribute(cuda::kAttrCanMapHostMemory, "cuDeviceGetAttribute (can map host memory)") != 0;
  size_t total = 0;
  cudaCheck(api.cuDeviceTotalMem(&total, handle), "cuDeviceTotalMem");
  gpu.totalMemory = total;
  return gpu;
}

}  // namespace yoloe::trt
