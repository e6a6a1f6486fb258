// What the statically linked CUDA runtime can see: runtime and driver versions and devices.
// Plain C++ (no CUDA headers) so the addon can include it; never throws, never aborts when no
// driver is installed (the error is reported instead).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe {
namespace cuda {

struct DeviceInfo {
  std::string name;
  int major = 0, minor = 0;
  uint64_t memoryBytes = 0;
  bool integrated = false;
};

struct CudaReport {
  int runtimeVersion = 0;  // e.g. 13000
  int driverVersion = 0;   // 0 when no driver is installed
  std::vector<DeviceInfo> devices;
  std::string error;  // empty when the device query succeeded
};

CudaReport queryCuda();

}  // namespace cuda
}  // namespace yoloe
