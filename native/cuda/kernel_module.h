// The compiled kernels loaded into the caller's current CUDA context, once per context and
// thread-safe: the first launch compiles (or reads the cache) for that context's GPU, loads
// the image with cuModuleLoadData and looks every entry point up. A failure is remembered, so
// a machine without NVRTC pays the search once and every launch then answers
// kKernelsUnavailable at once. The first use loads a module, which a stream capture does not
// allow: call kernelStatus() (or launch once) before capturing a CUDA graph.
#pragma once

#include <string>

#include "driver_api.h"
#include "kernel_source.h"

namespace yoloe::cuda {

// A launch's answer when the kernels are not available on this machine (see kernelStatus()).
constexpr CUresult kKernelsUnavailable = kCudaErrorNotSupported;

struct KernelStatus {
  bool usable = false;
  std::string reason;     // why not (names what is missing), when !usable
  std::string fix;        // what to install, when !usable
  std::string target;     // sm_87 / compute_90, when usable
  bool fromCache = false; // the image came from the disk cache
  std::string nvrtc;      // "13.0 (/path/libnvrtc.so.13)", when found
  std::string cacheNote;  // why the compiled image was not cached (costs a compile next process)
};

// The kernels for the current context (compiled and loaded on first use).
KernelStatus kernelStatus();
// One entry point for the current context; kKernelsUnavailable when kernelStatus() is not usable.
CUresult kernelFunction(KernelId id, CUfunction* function);

// A launch answered that the module's handles are stale (the context was destroyed and a new one
// got its address): forget the current context's module so the next kernelFunction reloads it.
void forgetCurrentKernelModule();

// Tests: forget every loaded module and remembered failure (after installing other tables).
void resetKernelModulesForTesting();

}  // namespace yoloe::cuda
