// What the NVIDIA driver (libcuda.so.1, loaded at run time through driver_api.h) can see:
// driver version and devices, in one of four clear states. Plain C++; never throws, never
// aborts when no driver is installed (the state and error say so).
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
  bool integrated = false;  // Jetson: the GPU shares the system memory
};

struct CudaReport {
  // "ok", "no-driver", "driver-too-old", "no-device" (driver fine, no GPU visible) or "error"
  std::string state;
  int driverVersion = 0;  // 12060 = CUDA 12.6; 0 when no driver is installed
  std::vector<DeviceInfo> devices;
  std::string error;  // empty when state is "ok"
};

CudaReport queryCuda();

}  // namespace cuda
}  // namespace yoloe
