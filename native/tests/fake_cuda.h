// A host-memory CUDA driver and NVRTC for tests: "device" memory is host memory, copies are
// memcpy, streams are nothing, and a kernel launch runs the kernel source built for the host
// (kernel_emulation.h). It records what the code under test asked for (compile options, loaded
// images, launches with their grid shapes) so tests can check the launch path without a GPU.
#pragma once

#include <string>
#include <vector>

#include "cuda/driver_api.h"
#include "cuda/launch.h"
#include "cuda/nvrtc_api.h"

namespace yoloe_test {

struct FakeLaunch {
  std::string kernel;
  yoloe::cuda::LaunchShape shape;
};

struct FakeCuda {
  int ccMajor = 8, ccMinor = 7;   // the fake GPU (Orin)
  int driverVersion = 12060;
  bool noDevice = false;          // cuCtxGetCurrent finds no context
  yoloe::cuda::CUresult loadResult = 0;  // what cuModuleLoadData answers
  bool compileFails = false;      // nvrtcCompileProgram fails
  int staleLaunches = 0;          // this many launches answer CUDA_ERROR_INVALID_HANDLE first
  // recorded
  std::vector<std::vector<std::string>> compiles;  // options of each nvrtcCompileProgram
  std::vector<std::string> loadedImages;
  std::vector<FakeLaunch> launches;
  int allocations = 0;      // cuMemAlloc calls
  int hostAllocations = 0;  // cuMemHostAlloc calls
};

// The process's fake state (reset() gives a fresh one and reinstalls the tables).
FakeCuda& fakeCuda();
// Installs the fake driver table and the fake NVRTC (nvrtcPresent false: "not installed").
void installFakeCuda(bool nvrtcPresent = true);
// The installed fake NVRTC library (tests change its version and architectures).
yoloe::cuda::NvrtcLibrary& fakeNvrtcLibrary();
// Restores the real driver and NVRTC search.
void uninstallFakeCuda();

// Host-memory helpers through the installed table.
template <typename T>
T* fakeDeviceCopy(const std::vector<T>& h);
void fakeFree(void* p);

}  // namespace yoloe_test

#include <cstring>

namespace yoloe_test {
template <typename T>
T* fakeDeviceCopy(const std::vector<T>& h) {
  yoloe::cuda::CUdeviceptr p = 0;
  yoloe::cuda::driverApi().cuMemAlloc(&p, sizeof(T) * (h.empty() ? 1 : h.size()));
  if (!h.empty()) std::memcpy(reinterpret_cast<void*>(p), h.data(), sizeof(T) * h.size());
  return reinterpret_cast<T*>(p);
}
}  // namespace yoloe_test
