// The host-memory driver and NVRTC of fake_cuda.h.
#include "fake_cuda.h"

#include <cstdlib>
#include <cstring>
#include <deque>
#include <functional>

#include "cuda/kernel_module.h"
#include "cuda/kernel_source.h"
#include "kernel_emulation.h"

struct CUctx_st {};
struct CUmod_st {};
struct CUfunc_st {
  std::string name;
};
struct _nvrtcProgram {
  std::string source;
  std::string target;
};

namespace yoloe_test {
namespace {

using namespace yoloe::cuda;

FakeCuda state;
CUctx_st theContext;
CUmod_st theModule;
std::deque<CUfunc_st> functions;  // kept for the process: handles stay valid (a deque never moves them)

CUresult ok() { return kCudaSuccess; }

DriverApi makeTable() {
  DriverApi t{};
  t.cuInit = [](unsigned) { return ok(); };
  t.cuDriverGetVersion = [](int* v) { return *v = state.driverVersion, ok(); };
  t.cuGetErrorName = [](CUresult, const char** n) { return *n = "CUDA_ERROR_FAKE", ok(); };
  t.cuGetErrorString = [](CUresult, const char** n) { return *n = "fake error", ok(); };
  t.cuDeviceGetCount = [](int* c) { return *c = state.noDevice ? 0 : 1, ok(); };
  t.cuDeviceGet = [](CUdevice* d, int ordinal) { return ordinal == 0 && !state.noDevice ? (*d = 0, ok()) : kCudaErrorInvalidDevice; };
  t.cuDeviceGetName = [](char* name, int length, CUdevice) {
    std::strncpy(name, "Fake Orin", static_cast<size_t>(length));
    return ok();
  };
  t.cuDeviceGetAttribute = [](int* v, int attribute, CUdevice) {
    *v = attribute == kAttrComputeCapabilityMajor ? state.ccMajor
         : attribute == kAttrComputeCapabilityMinor ? state.ccMinor
         : attribute == kAttrIntegrated            ? 1
                                                   : 0;
    return ok();
  };
  t.cuDeviceTotalMem = [](size_t* b, CUdevice) { return *b = size_t(8) << 30, ok(); };
  t.cuCtxGetCurrent = [](CUcontext* c) { return *c = state.noDevice ? nullptr : &theContext, ok(); };
  t.cuCtxGetDevice = [](CUdevice* d) { return *d = 0, ok(); };
  t.cuMemAlloc = [](CUdeviceptr* p, size_t bytes) {
    state.allocations++;
    return *p = reinterpret_cast<CUdeviceptr>(std::calloc(1, bytes ? bytes : 1)), ok();
  };
  t.cuMemFree = [](CUdeviceptr p) { return std::free(reinterpret_cast<void*>(p)), ok(); };
  t.cuMemHostAlloc = [](void** p, size_t bytes, unsigned) {
    state.hostAllocations++;
    return *p = std::calloc(1, bytes ? bytes : 1), ok();
  };
  t.cuMemFreeHost = [](void* p) { return std::free(p), ok(); };
  t.cuMemcpyHtoDAsync = [](CUdeviceptr d, const void* s, size_t n, CUstream) {
    return std::memcpy(reinterpret_cast<void*>(d), s, n), ok();
  };
  t.cuMemcpyDtoHAsync = [](void* d, CUdeviceptr s, size_t n, CUstream) {
    return std::memcpy(d, reinterpret_cast<const void*>(s), n), ok();
  };
  t.cuMemsetD8Async = [](CUdeviceptr d, unsigned char v, size_t n, CUstream) {
    return std::memset(reinterpret_cast<void*>(d), v, n), ok();
  };
  t.cuStreamSynchronize = [](CUstream) { return ok(); };
  t.cuModuleLoadData = [](CUmodule* m, const void* image) {
    if (state.loadResult != kCudaSuccess) return state.loadResult;
    state.loadedImages.emplace_back(static_cast<const char*>(image));
    return *m = &theModule, ok();
  };
  t.cuModuleUnload = [](CUmodule) { return ok(); };
  t.cuModuleGetFunction = [](CUfunction* f, CUmodule, const char* name) {
    if (!hasEmulatedKernel(name)) return kCudaErrorNotFound;
    functions.push_back(CUfunc_st{name});
    return *f = &functions.back(), ok();
  };
  t.cuLaunchKernel = [](CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz, unsigned,
                        CUstream, void** params, void** extra) {
    if (f == nullptr || params == nullptr || extra != nullptr) return kCudaErrorInvalidValue;
    // CUDA's limits: a launch outside them fails on a GPU, so it fails here too
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535 || bx * by * bz == 0 || bx * by * bz > 1024) {
      return kCudaErrorInvalidValue;
    }
    if (state.staleLaunches > 0) {
      state.staleLaunches--;
      return 400;  // CUDA_ERROR_INVALID_HANDLE: a module of a destroyed context
    }
    LaunchShape s{gx, gy, gz, bx, by, bz};
    state.launches.push_back(FakeLaunch{f->name, s});
    return emulateLaunch(f->name, s, params) ? ok() : kCudaErrorInvalidValue;
  };
  return t;
}

// What the fake compiler "produces": names the target and the source it was given.
std::string imageOf(nvrtcProgram p) {
  return "FAKE IMAGE " + p->target + " " + std::to_string(std::hash<std::string>{}(p->source));
}

NvrtcApi makeNvrtc() {
  NvrtcApi n{};
  n.nvrtcGetErrorString = [](nvrtcResult) { return "NVRTC_ERROR_FAKE"; };
  n.nvrtcCreateProgram = [](nvrtcProgram* p, const char* src, const char*, int, const char* const*, const char* const*) {
    *p = new _nvrtcProgram{src, ""};
    return 0;
  };
  n.nvrtcDestroyProgram = [](nvrtcProgram* p) {
    delete *p;
    *p = nullptr;
    return 0;
  };
  n.nvrtcCompileProgram = [](nvrtcProgram p, int count, const char* const* options) {
    std::vector<std::string> o(options, options + count);
    state.compiles.push_back(o);
    for (const std::string& s : o) {
      if (s.rfind("--gpu-architecture=", 0) == 0) p->target = s.substr(19);
    }
    return state.compileFails ? 6 : 0;  // NVRTC_ERROR_COMPILATION
  };
  n.nvrtcGetProgramLogSize = [](nvrtcProgram, size_t* s) { return *s = 11, 0; };
  n.nvrtcGetProgramLog = [](nvrtcProgram, char* log) { return std::memcpy(log, "fake error", 11), 0; };
  n.nvrtcGetCUBINSize = [](nvrtcProgram p, size_t* size) { return *size = imageOf(p).size() + 1, 0; };
  n.nvrtcGetCUBIN = [](nvrtcProgram p, char* out) { return std::memcpy(out, imageOf(p).c_str(), imageOf(p).size() + 1), 0; };
  n.nvrtcGetPTXSize = n.nvrtcGetCUBINSize;
  n.nvrtcGetPTX = n.nvrtcGetCUBIN;
  return n;
}

}  // namespace
}  // namespace yoloe_test

namespace yoloe_test {
namespace {
const DriverApi fakeTable = makeTable();
const NvrtcApi fakeNvrtc = makeNvrtc();
NvrtcLibrary fakeLibrary;
}  // namespace

FakeCuda& fakeCuda() { return state; }

void installFakeCuda(bool nvrtcPresent) {
  setenv("YOLOE_TRT_KERNEL_CACHE", "off", 1);  // no disk cache unless a test names one
  state = FakeCuda{};
  fakeLibrary = NvrtcLibrary{};
  if (nvrtcPresent) {
    fakeLibrary.api = &fakeNvrtc;
    fakeLibrary.major = 12;  // JetPack 6's
    fakeLibrary.minor = 6;
    fakeLibrary.archs = {72, 75, 80, 86, 87, 89, 90};
  } else {
    fakeLibrary.error = "NVRTC (libnvrtc.so, the CUDA run-time compiler) not found (fake)";
  }
  installDriverApiForTesting(&fakeTable);
  installNvrtcForTesting(&fakeLibrary);
  resetKernelModulesForTesting();
}

NvrtcLibrary& fakeNvrtcLibrary() { return fakeLibrary; }

void uninstallFakeCuda() {
  installDriverApiForTesting(nullptr);
  installNvrtcForTesting(nullptr);
  resetKernelModulesForTesting();
}

void fakeFree(void* p) { driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(p)); }

}  // namespace yoloe_test
