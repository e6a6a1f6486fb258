#include <cuda_runtime_api.h>

#include "runtime.h"

namespace yoloe {
namespace cuda {

CudaReport queryCuda() {
  CudaReport r;
  cudaRuntimeGetVersion(&r.runtimeVersion);
  if (cudaDriverGetVersion(&r.driverVersion) != cudaSuccess) r.driverVersion = 0;
  int count = 0;
  const cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    r.error = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
    cudaGetLastError();  // clear the sticky-free error so later calls start clean
    return r;
  }
  for (int i = 0; i < count; i++) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo d;
    d.name = prop.name;
    d.major = prop.major;
    d.minor = prop.minor;
    d.memoryBytes = static_cast<uint64_t>(prop.totalGlobalMem);
    d.integrated = prop.integrated != 0;
    r.devices.push_back(d);
  }
  return r;
}

}  // namespace cuda
}  // namespace yoloe
