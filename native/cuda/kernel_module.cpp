// Per-context kernel modules (see kernel_module.h).
#include "kernel_module.h"

#include <map>
#include <mutex>

#include "kernel_cache.h"
#include "kernel_compiler.h"
#include "nvrtc_api.h"

namespace yoloe::cuda {
namespace {

struct LoadedKernels {
  KernelStatus status;
  CUmodule module = nullptr;
  CUfunction functions[kKernelCount] = {};
};

std::mutex mutex;
std::map<CUcontext, LoadedKernels> loaded;  // modules stay loaded for the process (contexts outlive them)

const char* kNvrtcFix =
    "install NVRTC, the CUDA run-time compiler (Jetson: it comes with JetPack's CUDA toolkit; servers: the CUDA "
    "toolkit, or `pip install nvidia-cuda-nvrtc` with its lib folder in LD_LIBRARY_PATH or YOLOE_TRT_NVRTC)";

KernelStatus unusable(std::string reason, std::string fix) {
  KernelStatus s;
  s.reason = std::move(reason);
  s.fix = std::move(fix);
  return s;
}

// Loads an image and looks every kernel up; on failure the module is unloaded again.
CUresult loadImage(const DriverApi& d, const std::vector<char>& image, LoadedKernels& out) {
  CUmodule module = nullptr;
  CUresult r = d.cuModuleLoadData(&module, image.data());
  if (r != kCudaSuccess) return r;
  for (int k = 0; k < kKernelCount; k++) {
    r = d.cuModuleGetFunction(&out.functions[k], module, kKernelNames[k]);
    if (r != kCudaSuccess) {
      d.cuModuleUnload(module);
      return r;
    }
  }
  out.module = module;
  return kCudaSuccess;
}

LoadedKernels loadFor(const DriverApi& d) {
  LoadedKernels out;
  CUdevice device = 0;
  int major = 0, minor = 0;
  if (d.cuCtxGetDevice == nullptr || d.cuCtxGetDevice(&device) != kCudaSuccess ||
      d.cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor, device) != kCudaSuccess ||
      d.cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor, device) != kCudaSuccess) {
    out.status = unusable("the GPU of the current CUDA context could not be queried", "check the NVIDIA driver (nvidia-smi)");
    return out;
  }
  const NvrtcLibrary& nvrtc = nvrtcLibrary();
  if (nvrtc.api == nullptr) {
    out.status = unusable(nvrtc.error, kNvrtcFix);
    return out;
  }
  const std::string nvrtcText = std::to_string(nvrtc.major) + "." + std::to_string(nvrtc.minor) +
                                (nvrtc.path.empty() ? "" : " (" + nvrtc.path + ")");
  const KernelTarget target = chooseKernelTarget(major, minor, nvrtc);
  if (!target.error.empty()) {
    out.status = unusable(target.error, kNvrtcFix);
    out.status.nvrtc = nvrtcText;
    return out;
  }
  const std::string dir = kernelCacheDir();
  CompiledKernels compiled = cachedKernels(nvrtc, target, dir);
  CUresult r = compiled.error.empty() ? loadImage(d, compiled.image, out) : kCudaSuccess;
  if (compiled.error.empty() && r != kCudaSuccess && compiled.fromCache) {
    // a cached image this driver refuses: compile afresh and replace it
    compiled = cachedKernels(nvrtc, target, dir, true);
    if (compiled.error.empty()) r = loadImage(d, compiled.image, out);
  }
  if (!compiled.error.empty()) {
    out.status = unusable("the CUDA kernels did not compile for " + target.name + ": " + compiled.error,
                          "report this with the output of `yoloe-trt doctor --json`");
  } else if (r != kCudaSuccess) {
    out.status = unusable(describeCudaError(r, ("cuModuleLoadData (kernels for " + target.name + ")").c_str()),
                          "update the NVIDIA driver to one at least as new as NVRTC " + nvrtcText);
  } else {
    out.status.usable = true;
    out.status.target = target.name;
    out.status.fromCache = compiled.fromCache;
    out.status.cacheNote = compiled.cacheNote;
  }
  out.status.nvrtc = nvrtcText;
  return out;
}

// The entry for the current context, loading it on first use. Caller holds the mutex.
const LoadedKernels& current(const DriverApi& d) {
  static const LoadedKernels noDriver = [] {
    LoadedKernels k;
    k.status = unusable("no NVIDIA driver", "install the NVIDIA driver (Jetson: JetPack 6)");
    return k;
  }();
  static const LoadedKernels noContext = [] {
    LoadedKernels k;
    k.status = unusable("no CUDA context is current on this thread", "make the device's primary context current first");
    return k;
  }();
  if (d.cuCtxGetCurrent == nullptr || d.cuModuleLoadData == nullptr) return noDriver;
  CUcontext context = nullptr;
  if (d.cuCtxGetCurrent(&context) != kCudaSuccess || context == nullptr) return noContext;
  auto it = loaded.find(context);
  if (it == loaded.end()) it = loaded.emplace(context, loadFor(d)).first;
  return it->second;
}

}  // namespace

KernelStatus kernelStatus() {
  std::lock_guard<std::mutex> lock(mutex);
  return current(driverApi()).status;
}

CUresult kernelFunction(KernelId id, CUfunction* function) {
  std::lock_guard<std::mutex> lock(mutex);
  const LoadedKernels& k = current(driverApi());
  if (!k.status.usable) return kKernelsUnavailable;
  *function = k.functions[static_cast<int>(id)];
  return kCudaSuccess;
}

void forgetCurrentKernelModule() {
  std::lock_guard<std::mutex> lock(mutex);
  const DriverApi& d = driverApi();
  CUcontext context = nullptr;
  if (d.cuCtxGetCurrent != nullptr && d.cuCtxGetCurrent(&context) == kCudaSuccess) loaded.erase(context);
}

void resetKernelModulesForTesting() {
  std::lock_guard<std::mutex> lock(mutex);
  loaded.clear();
}

}  // namespace yoloe::cuda
