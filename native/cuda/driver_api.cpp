// libcuda.so.1 resolved once at run time into the DriverApi table (see driver_api.h).
#include "driver_api.h"

#include <dlfcn.h>

#include <atomic>
#include <mutex>

namespace yoloe::cuda {
namespace {

struct Loaded {
  DriverApi table{};
  std::string error;
  DriverState state = DriverState::NoDriver;
  int version = 0;
};

std::string cudaVersionText(int v) { return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10); }

std::string describeWith(const DriverApi& t, CUresult status, const char* what) {
  const char* name = nullptr;
  const char* text = nullptr;
  if (t.cuGetErrorName != nullptr) t.cuGetErrorName(status, &name);
  if (t.cuGetErrorString != nullptr) t.cuGetErrorString(status, &text);
  std::string out = std::string(what) + " failed: ";
  out += name != nullptr ? name : "CUDA error " + std::to_string(status);
  if (text != nullptr) out += std::string(" (") + text + ")";
  return out;
}

// dlsym of the exact ABI names each member's signature describes (cuda.h maps the plain names
// to these _v2 entry points; cuGraphInstantiate's flags form is cuGraphInstantiateWithFlags).
// Not cuGetProcAddress: what it returns for a plain name depends on the CUDA version asked for
// (the _v2 / _ptsz variants), and it needs an 11.3 driver itself; explicit names have one meaning.
template <typename Fn>
void resolve(void* lib, Fn& member, const char* symbol, std::string& missing) {
  member = reinterpret_cast<Fn>(dlsym(lib, symbol));
  if (member == nullptr) missing += missing.empty() ? symbol : std::string(", ") + symbol;
}

Loaded loadDriver() {
  Loaded out;
  void* lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr) {
    const char* why = dlerror();
    out.error = std::string("libcuda.so.1 (the NVIDIA driver) could not be loaded: ") + (why ? why : "unknown reason");
    return out;
  }
  DriverApi& t = out.table;
  std::string missing;
  // The version first: a driver too old for this build says so, whatever else it lacks.
  resolve(lib, t.cuDriverGetVersion, "cuDriverGetVersion", missing);
  if (t.cuDriverGetVersion == nullptr || t.cuDriverGetVersion(&out.version) != kCudaSuccess) out.version = 0;
  if (out.version < kMinimumDriverVersion) {
    out.table = DriverApi{};
    out.state = DriverState::TooOld;
    out.error = "NVIDIA driver too old for this build (needs >= CUDA " + cudaVersionText(kMinimumDriverVersion) +
                ", r470; this driver supports CUDA " + (out.version > 0 ? cudaVersionText(out.version) : "?") + ")";
    return out;
  }
  resolve(lib, t.cuInit, "cuInit", missing);
  resolve(lib, t.cuGetErrorName, "cuGetErrorName", missing);
  resolve(lib, t.cuGetErrorString, "cuGetErrorString", missing);
  resolve(lib, t.cuDeviceGetCount, "cuDeviceGetCount", missing);
  resolve(lib, t.cuDeviceGet, "cuDeviceGet", missing);
  resolve(lib, t.cuDeviceGetName, "cuDeviceGetName", missing);
  resolve(lib, t.cuDeviceGetAttribute, "cuDeviceGetAttribute", missing);
  resolve(lib, t.cuDeviceTotalMem, "cuDeviceTotalMem_v2", missing);
  resolve(lib, t.cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", missing);
  resolve(lib, t.cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", missing);
  resolve(lib, t.cuCtxSetCurrent, "cuCtxSetCurrent", missing);
  resolve(lib, t.cuCtxGetCurrent, "cuCtxGetCurrent", missing);
  resolve(lib, t.cuCtxSynchronize, "cuCtxSynchronize", missing);
  resolve(lib, t.cuMemAlloc, "cuMemAlloc_v2", missing);
  resolve(lib, t.cuMemFree, "cuMemFree_v2", missing);
  resolve(lib, t.cuMemHostAlloc, "cuMemHostAlloc", missing);
  resolve(lib, t.cuMemFreeHost, "cuMemFreeHost", missing);
  resolve(lib, t.cuMemHostGetDevicePointer, "cuMemHostGetDevicePointer_v2", missing);
  resolve(lib, t.cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", missing);
  resolve(lib, t.cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", missing);
  resolve(lib, t.cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", missing);
  resolve(lib, t.cuMemsetD8Async, "cuMemsetD8Async", missing);
  resolve(lib, t.cuStreamCreate, "cuStreamCreate", missing);
  resolve(lib, t.cuStreamDestroy, "cuStreamDestroy_v2", missing);
  resolve(lib, t.cuStreamSynchronize, "cuStreamSynchronize", missing);
  resolve(lib, t.cuEventCreate, "cuEventCreate", missing);
  resolve(lib, t.cuEventDestroy, "cuEventDestroy_v2", missing);
  resolve(lib, t.cuEventRecord, "cuEventRecord", missing);
  resolve(lib, t.cuEventSynchronize, "cuEventSynchronize", missing);
  resolve(lib, t.cuEventElapsedTime, "cuEventElapsedTime", missing);
  resolve(lib, t.cuStreamBeginCapture, "cuStreamBeginCapture_v2", missing);
  resolve(lib, t.cuStreamEndCapture, "cuStreamEndCapture", missing);
  resolve(lib, t.cuGraphInstantiate, "cuGraphInstantiateWithFlags", missing);
  resolve(lib, t.cuGraphLaunch, "cuGraphLaunch", missing);
  resolve(lib, t.cuGraphExecDestroy, "cuGraphExecDestroy", missing);
  resolve(lib, t.cuGraphDestroy, "cuGraphDestroy", missing);
  resolve(lib, t.cuModuleLoadData, "cuModuleLoadData", missing);
  resolve(lib, t.cuModuleUnload, "cuModuleUnload", missing);
  resolve(lib, t.cuModuleGetFunction, "cuModuleGetFunction", missing);
  resolve(lib, t.cuLaunchKernel, "cuLaunchKernel", missing);
  resolve(lib, t.cuCtxGetDevice, "cuCtxGetDevice", missing);
  if (!missing.empty()) {
    // A driver older than the API we use (cuGraphInstantiateWithFlags: CUDA 11.4, r470).
    out.table = DriverApi{};
    out.state = DriverState::TooOld;
    out.error = "NVIDIA driver too old for this build (needs >= CUDA " + cudaVersionText(kMinimumDriverVersion) +
                ", r470): libcuda.so.1 lacks " + missing;
    return out;  // the library stays loaded: unloading a driver is never safe
  }
  const CUresult init = t.cuInit(0);
  out.state = DriverState::Ok;
  if (init != kCudaSuccess) {
    out.error = describeWith(t, init, "cuInit");  // not describeCudaError: the table is still being built
    // keep the table: cuGetErrorName etc. work, but devices do not; callers see cuDeviceGetCount fail
    out.state = init == kCudaErrorNoDevice ? DriverState::NoDevice : DriverState::InitFailed;
  }
  return out;
}

const Loaded& loadedDriver() {
  static const Loaded loaded = loadDriver();
  return loaded;
}

std::atomic<const DriverApi*> installed{nullptr};

}  // namespace

const DriverApi& driverApi() {
  if (const DriverApi* t = installed.load(std::memory_order_acquire)) return *t;
  return loadedDriver().table;
}

std::string driverLoadError() {
  if (installed.load(std::memory_order_acquire) != nullptr) return {};
  return loadedDriver().error;
}

DriverState driverState() {
  if (installed.load(std::memory_order_acquire) != nullptr) return DriverState::Ok;
  return loadedDriver().state;
}

int driverVersion() {
  if (const DriverApi* t = installed.load(std::memory_order_acquire)) {
    int v = 0;
    return t->cuDriverGetVersion != nullptr && t->cuDriverGetVersion(&v) == kCudaSuccess ? v : 0;
  }
  return loadedDriver().version;
}

void installDriverApiForTesting(const DriverApi* table) { installed.store(table, std::memory_order_release); }

std::string describeCudaError(CUresult status, const char* what) { return describeWith(driverApi(), status, what); }

}  // namespace yoloe::cuda
