// queryCuda() through the driver API table (see runtime.h).
#include "runtime.h"

#include "driver_api.h"

namespace yoloe {
namespace cuda {

namespace {

bool deviceInfo(const DriverApi& d, int ordinal, DeviceInfo* out, std::string* error) {
  CUdevice device = 0;
  char name[256] = {0};
  size_t bytes = 0;
  int integrated = 0;
  CUresult r = d.cuDeviceGet(&device, ordinal);
  if (r == kCudaSuccess) r = d.cuDeviceGetName(name, sizeof name - 1, device);
  if (r == kCudaSuccess) r = d.cuDeviceGetAttribute(&out->major, kAttrComputeCapabilityMajor, device);
  if (r == kCudaSuccess) r = d.cuDeviceGetAttribute(&out->minor, kAttrComputeCapabilityMinor, device);
  if (r == kCudaSuccess) r = d.cuDeviceGetAttribute(&integrated, kAttrIntegrated, device);
  if (r == kCudaSuccess) r = d.cuDeviceTotalMem(&bytes, device);
  if (r != kCudaSuccess) {
    *error = describeCudaError(r, ("device " + std::to_string(ordinal) + " query").c_str());
    return false;
  }
  out->name = name;
  out->memoryBytes = bytes;
  out->integrated = integrated != 0;
  return true;
}

const char* stateName(DriverState s) {
  switch (s) {
    case DriverState::Ok:
      return "ok";
    case DriverState::NoDriver:
      return "no-driver";
    case DriverState::TooOld:
      return "driver-too-old";
    case DriverState::NoDevice:
      return "no-device";
    case DriverState::InitFailed:
      break;
  }
  return "error";
}

}  // namespace

CudaReport queryCuda() {
  CudaReport r;
  r.driverVersion = driverVersion();
  const DriverState state = driverState();
  if (state != DriverState::Ok) {
    r.state = stateName(state);
    r.error = driverLoadError();
    return r;
  }
  const DriverApi& d = driverApi();
  int count = 0;
  const CUresult status = d.cuDeviceGetCount(&count);
  if (status != kCudaSuccess) {
    r.state = status == kCudaErrorNoDevice ? "no-device" : "error";
    r.error = describeCudaError(status, "cuDeviceGetCount");
    return r;
  }
  for (int i = 0; i < count; i++) {
    DeviceInfo info;
    if (deviceInfo(d, i, &info, &r.error)) r.devices.push_back(info);
  }
  r.state = r.devices.empty() ? (r.error.empty() ? "no-device" : "error") : "ok";
  if (r.state == "no-device" && r.error.empty()) r.error = "the NVIDIA driver sees no CUDA device";
  if (r.state == "ok") r.error.clear();
  return r;
}

}  // namespace cuda
}  // namespace yoloe
