// The one stand-in libcuda.so.1 of the tests: a host-memory implementation of every CUDA driver
// API entry point yoloe-trt resolves (native/cuda/driver_api.h): cuMemAlloc = malloc, copies =
// memcpy (done at once, which keeps stream order), streams / events / contexts are recorded
// objects, graph capture is refused (CUDA_ERROR_NOT_SUPPORTED) and recorded; kernel modules and
// launches are refused too unless YOLOE_FAKE_KERNELS=1, when a launch runs the generated kernel
// source built for the host (../kernel_emulation.h), threads last to first, on the fake device memory, whatever image
// cuModuleLoadData is given (the fake NVRTC's, fake_libnvrtc.cpp).
// It enforces that memory is freed with its own device's context current. Built three times
// (native/tests/CMakeLists.txt): fake-cuda/ for the TensorRT contract double, fakecuda/ (a Jetson
// Orin) for the real loader's tests (test_driver_states.cpp, test/cuda-capabilities.test.ts), and
// fakecuda-old/, a driver without cuGraphInstantiateWithFlags (FAKE_CUDA_WITHOUT_GRAPH_FLAGS).
// Steered by YOLOE_FAKE_* (fake_log.h): KERNELS, DRIVER (cuDriverGetVersion, default 12060), INIT (what
// cuInit answers; 100 = CUDA_ERROR_NO_DEVICE), DEVICES, GPU, CC, INTEGRATED, MEMORY_GIB, FAIL.
// (The in-process driver table of fake_cuda.h is another thing: it runs kernels on the host.)
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>

#include "cuda/driver_api.h"
#include "fake_log.h"
#if defined(FAKE_CUDA_KERNELS)
#include <deque>

#include "kernel_emulation.h"
#endif

using namespace yoloe::cuda;

#define FAKE_API extern "C" __attribute__((visibility("default")))

// The device described when YOLOE_FAKE_GPU / CC / INTEGRATED / MEMORY_GIB are not set.
#ifndef FAKE_CUDA_GPU
#define FAKE_CUDA_GPU "Fake GPU"
#define FAKE_CUDA_CC "8.6"
#define FAKE_CUDA_INTEGRATED "0"
#define FAKE_CUDA_MEMORY_GIB "8"
#endif

struct CUctx_st {
  int device;
};
struct CUstream_st {
  int id;
};
struct CUevent_st {
  int id;
};

namespace {

std::mutex gMutex;
struct Allocation {
  size_t bytes;
  int device;
  bool host;
};
std::map<uintptr_t, Allocation> gAllocations;
CUctx_st gContexts[8] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};
int gRetains[8] = {};
thread_local CUcontext tCurrent = nullptr;
int gNextId = 1;

int deviceCount() { return std::atoi(yoloe_fake::setting("DEVICES", "1").c_str()); }

CUresult allocate(void** out, size_t bytes, bool host) {
  if (tCurrent == nullptr && !host) {
    yoloe_fake::violation("cuMemAlloc with no current context");
    return kCudaErrorInvalidValue;  // CUDA_ERROR_INVALID_CONTEXT in the real driver
  }
  if (!host && yoloe_fake::failing("cuMemAlloc")) return kCudaErrorOutOfMemory;
  if (!host) yoloe_fake::call("cuMemAlloc " + std::to_string(bytes));
  void* p = std::calloc(1, bytes == 0 ? 1 : bytes);
  if (p == nullptr) return kCudaErrorOutOfMemory;
  std::lock_guard<std::mutex> lock(gMutex);
  gAllocations[reinterpret_cast<uintptr_t>(p)] = {bytes, tCurrent != nullptr ? tCurrent->device : -1, host};
  *out = p;
  return kCudaSuccess;
}

CUresult release(void* p, bool host) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto it = gAllocations.find(reinterpret_cast<uintptr_t>(p));
  if (it == gAllocations.end() || it->second.host != host) {
    yoloe_fake::violation(std::string(host ? "cuMemFreeHost" : "cuMemFree") + " of memory it did not allocate");
    return kCudaErrorInvalidValue;
  }
  if (!host && (tCurrent == nullptr || tCurrent->device != it->second.device)) {
    yoloe_fake::violation("cuMemFree of device " + std::to_string(it->second.device) + " memory with " +
                          (tCurrent == nullptr ? std::string("no context") : "device " + std::to_string(tCurrent->device) + "'s context") +
                          " current");
  }
  gAllocations.erase(it);
  std::free(p);
  return kCudaSuccess;
}

}  // namespace

// How many bytes of fake device memory start at or contain `p` (0: not device memory).
FAKE_API size_t yoloe_fake_device_bytes(const void* p) {
  std::lock_guard<std::mutex> lock(gMutex);
  const auto address = reinterpret_cast<uintptr_t>(p);
  auto it = gAllocations.upper_bound(address);
  if (it == gAllocations.begin()) return 0;
  --it;
  if (address >= it->first + (it->second.bytes == 0 ? 1 : it->second.bytes)) return 0;
  // Mapped pinned memory is device-visible too (zero-copy on integrated GPUs).
  return it->first + it->second.bytes - address;
}

FAKE_API int yoloe_fake_current_device() { return tCurrent != nullptr ? tCurrent->device : -1; }

FAKE_API CUresult cuInit(unsigned) { return std::atoi(yoloe_fake::setting("INIT", "0").c_str()); }
FAKE_API CUresult cuDriverGetVersion(int* v) {
  *v = std::atoi(yoloe_fake::setting("DRIVER", "12060").c_str());
  return kCudaSuccess;
}
FAKE_API CUresult cuGetErrorName(CUresult e, const char** name) {
  *name = e == kCudaErrorOutOfMemory    ? "CUDA_ERROR_OUT_OF_MEMORY"
          : e == kCudaErrorNotSupported ? "CUDA_ERROR_NOT_SUPPORTED"
          : e == 35                     ? "CUDA_ERROR_INSUFFICIENT_DRIVER"
          : e == 100                    ? "CUDA_ERROR_NO_DEVICE"
                                        : "CUDA_ERROR_FAKE";
  return kCudaSuccess;
}
FAKE_API CUresult cuGetErrorString(CUresult e, const char** text) {
  *text = e == kCudaErrorOutOfMemory ? "out of memory" : e == 100 ? "no CUDA-capable device is detected" : "fake driver error";
  return kCudaSuccess;
}
FAKE_API CUresult cuDeviceGetCount(int* count) {
  // YOLOE_FAKE_FAIL=driver-too-old: what a driver older than the CUDA the build needs answers
  if (yoloe_fake::failing("driver-too-old")) return 35;  // CUDA_ERROR_INSUFFICIENT_DRIVER
  *count = deviceCount();
  return kCudaSuccess;
}
FAKE_API CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (ordinal < 0 || ordinal >= deviceCount()) return kCudaErrorInvalidDevice;
  *device = ordinal;
  return kCudaSuccess;
}
FAKE_API CUresult cuDeviceGetName(char* name, int length, CUdevice device) {
  const std::string text = yoloe_fake::setting("GPU", FAKE_CUDA_GPU) + (device > 0 ? " #" + std::to_string(device) : "");
  std::snprintf(name, static_cast<size_t>(length), "%s", text.c_str());
  return kCudaSuccess;
}
FAKE_API CUresult cuDeviceGetAttribute(int* value, int attribute, CUdevice) {
  const std::string cc = yoloe_fake::setting("CC", FAKE_CUDA_CC);
  if (attribute == kAttrComputeCapabilityMajor) *value = std::atoi(cc.c_str());
  else if (attribute == kAttrComputeCapabilityMinor) *value = std::atoi(cc.substr(cc.find('.') + 1).c_str());
  else if (attribute == kAttrIntegrated || attribute == kAttrCanMapHostMemory) *value = yoloe_fake::setting("INTEGRATED", FAKE_CUDA_INTEGRATED) == "1";
  else *value = 0;
  return kCudaSuccess;
}
FAKE_API CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
  *bytes = static_cast<size_t>(std::atoi(yoloe_fake::setting("MEMORY_GIB", FAKE_CUDA_MEMORY_GIB).c_str())) << 30;
  return kCudaSuccess;
}
FAKE_API CUresult cuDevicePrimaryCtxRetain(CUcontext* context, CUdevice device) {
  std::lock_guard<std::mutex> lock(gMutex);
  ++gRetains[device];
  *context = &gContexts[device];
  return kCudaSuccess;
}
FAKE_API CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  std::lock_guard<std::mutex> lock(gMutex);
  if (gRetains[device] <= 0) yoloe_fake::violation("cuDevicePrimaryCtxRelease without a retain");
  --gRetains[device];
  return kCudaSuccess;
}
FAKE_API CUresult cuCtxSetCurrent(CUcontext context) {
  tCurrent = context;
  return kCudaSuccess;
}
FAKE_API CUresult cuCtxGetCurrent(CUcontext* context) {
  *context = tCurrent;
  return kCudaSuccess;
}
FAKE_API CUresult cuCtxSynchronize() { return kCudaSuccess; }
FAKE_API CUresult cuCtxGetDevice(CUdevice* device) {
  if (tCurrent == nullptr) return kCudaErrorInvalidValue;  // CUDA_ERROR_INVALID_CONTEXT in the real driver
  *device = tCurrent->device;
  return kCudaSuccess;
}
FAKE_API CUresult cuMemAlloc_v2(CUdeviceptr* ptr, size_t bytes) {
  void* p = nullptr;
  const CUresult status = allocate(&p, bytes, false);
  *ptr = reinterpret_cast<uintptr_t>(p);
  return status;
}
FAKE_API CUresult cuMemFree_v2(CUdeviceptr ptr) { return release(reinterpret_cast<void*>(ptr), false); }
FAKE_API CUresult cuMemHostAlloc(void** ptr, size_t bytes, unsigned) { return allocate(ptr, bytes, true); }
FAKE_API CUresult cuMemFreeHost(void* ptr) { return release(ptr, true); }
FAKE_API CUresult cuMemHostGetDevicePointer_v2(CUdeviceptr* device, void* host, unsigned) {
  *device = reinterpret_cast<uintptr_t>(host);
  return kCudaSuccess;
}
FAKE_API CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void* src, size_t bytes, CUstream) {
  if (yoloe_fake_device_bytes(reinterpret_cast<void*>(dst)) < bytes) yoloe_fake::violation("cuMemcpyHtoDAsync past the end of device memory");
  std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
  return kCudaSuccess;
}
FAKE_API CUresult cuMemcpyDtoHAsync_v2(void* dst, CUdeviceptr src, size_t bytes, CUstream) {
  if (yoloe_fake_device_bytes(reinterpret_cast<void*>(src)) < bytes) yoloe_fake::violation("cuMemcpyDtoHAsync past the end of device memory");
  std::memcpy(dst, reinterpret_cast<void*>(src), bytes);
  return kCudaSuccess;
}
FAKE_API CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream) {
  std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), bytes);
  return kCudaSuccess;
}
FAKE_API CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t count, CUstream) {
  std::memset(reinterpret_cast<void*>(dst), value, count);
  return kCudaSuccess;
}
FAKE_API CUresult cuStreamCreate(CUstream* stream, unsigned) {
  std::lock_guard<std::mutex> lock(gMutex);
  *stream = new CUstream_st{gNextId++};
  return kCudaSuccess;
}
FAKE_API CUresult cuStreamDestroy_v2(CUstream stream) {
  delete stream;
  return kCudaSuccess;
}
FAKE_API CUresult cuStreamSynchronize(CUstream) { return kCudaSuccess; }
FAKE_API CUresult cuEventCreate(CUevent* event, unsigned) {
  *event = new CUevent_st{0};
  return kCudaSuccess;
}
FAKE_API CUresult cuEventDestroy_v2(CUevent event) {
  delete event;
  return kCudaSuccess;
}
FAKE_API CUresult cuEventRecord(CUevent, CUstream) { return kCudaSuccess; }
FAKE_API CUresult cuEventSynchronize(CUevent) { return kCudaSuccess; }
FAKE_API CUresult cuEventElapsedTime(float* ms, CUevent, CUevent) {
  *ms = 0;
  return kCudaSuccess;
}
FAKE_API CUresult cuStreamBeginCapture_v2(CUstream, int) {
  yoloe_fake::call("cuStreamBeginCapture refused");
  return kCudaErrorNotSupported;
}
FAKE_API CUresult cuStreamEndCapture(CUstream, CUgraph*) { return kCudaErrorNotSupported; }
#if !defined(FAKE_CUDA_WITHOUT_GRAPH_FLAGS)  // CUDA 11.4's: a driver without it is too old
FAKE_API CUresult cuGraphInstantiateWithFlags(CUgraphExec*, CUgraph, unsigned long long) { return kCudaErrorNotSupported; }
#endif
FAKE_API CUresult cuGraphLaunch(CUgraphExec, CUstream) { return kCudaErrorNotSupported; }
FAKE_API CUresult cuGraphExecDestroy(CUgraphExec) { return kCudaSuccess; }
FAKE_API CUresult cuGraphDestroy(CUgraph) { return kCudaSuccess; }
#if defined(FAKE_CUDA_KERNELS)
struct CUmod_st {
  int id;
};
struct CUfunc_st {
  std::string name;
};
namespace {
CUmod_st gModule{1};
std::deque<CUfunc_st> gFunctions;  // handles stay valid for the process (a deque never moves them)
bool kernelsEmulated() { return yoloe_fake::setting("KERNELS", "0") == "1"; }
}  // namespace

FAKE_API CUresult cuModuleLoadData(CUmodule* module, const void* image) {
  if (!kernelsEmulated()) {
    yoloe_fake::call("cuModuleLoadData refused");
    return kCudaErrorNotSupported;
  }
  if (module == nullptr || image == nullptr) return kCudaErrorInvalidValue;
  yoloe_fake::call("cuModuleLoadData");
  *module = &gModule;
  return kCudaSuccess;
}
FAKE_API CUresult cuModuleUnload(CUmodule) { return kCudaSuccess; }
FAKE_API CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
  if (!kernelsEmulated() || module != &gModule) return kCudaErrorNotSupported;
  if (!yoloe_test::hasEmulatedKernel(name)) return kCudaErrorNotFound;
  std::lock_guard<std::mutex> lock(gMutex);
  gFunctions.push_back(CUfunc_st{name});
  *function = &gFunctions.back();
  return kCudaSuccess;
}
FAKE_API CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                                 unsigned, CUstream, void** params, void** extra) {
  if (!kernelsEmulated()) {
    yoloe_fake::call("cuLaunchKernel refused");
    return kCudaErrorNotSupported;
  }
  if (f == nullptr || params == nullptr || extra != nullptr) return kCudaErrorInvalidValue;
  if (tCurrent == nullptr) {
    yoloe_fake::violation("cuLaunchKernel with no current context");
    return kCudaErrorInvalidValue;
  }
  // CUDA's limits: a launch outside them fails on a GPU, so it fails here too
  if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx * by * bz == 0 || bx * by * bz > 1024) {
    return kCudaErrorInvalidValue;
  }
  yoloe_fake::call("cuLaunchKernel " + f->name);
  const yoloe::cuda::LaunchShape shape{gx, gy, gz, bx, by, bz};
  // last thread first: the GPU gives no order, so code that relies on one fails the tests
  return yoloe_test::emulateLaunch(f->name, shape, params, true) ? kCudaSuccess : kCudaErrorInvalidValue;
}
#else
FAKE_API CUresult cuModuleLoadData(CUmodule*, const void*) {
  yoloe_fake::call("cuModuleLoadData refused");
  return kCudaErrorNotSupported;
}
FAKE_API CUresult cuModuleUnload(CUmodule) { return kCudaSuccess; }
FAKE_API CUresult cuModuleGetFunction(CUfunction*, CUmodule, const char*) { return kCudaErrorNotSupported; }
FAKE_API CUresult cuLaunchKernel(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, CUstream,
                                 void**, void**) {
  yoloe_fake::call("cuLaunchKernel refused");
  return kCudaErrorNotSupported;
}
#endif
// The real NVRTC 13 looks up the driver's private export table when libcuda.so.1 is loaded and,
// finding none, crashed in nvrtcCompileProgram: a driver that has no table to offer says so.
FAKE_API CUresult cuGetExportTable(const void** table, const void*);
FAKE_API CUresult cuGetExportTable(const void** table, const void*) {
  if (table != nullptr) *table = nullptr;
  return kCudaErrorNotSupported;
}

// The cuda helper may resolve entry points through cuGetProcAddress: answer from this library.
FAKE_API CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int, unsigned long long, int* status);
#include <dlfcn.h>
FAKE_API CUresult cuGetProcAddress_v2(const char* symbol, void** pfn, int, unsigned long long, int* status) {
  *pfn = dlsym(RTLD_DEFAULT, symbol);
  if (*pfn == nullptr) {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&cuInit), &info) != 0) {
      if (void* self = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD)) *pfn = dlsym(self, symbol);
    }
  }
  if (status != nullptr) *status = *pfn != nullptr ? 0 : 1;
  return *pfn != nullptr ? kCudaSuccess : kCudaErrorNotSupported;
}
