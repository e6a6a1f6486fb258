// A stand-in libcuda.so.1 for tests of the real driver loader (driver_api.cpp: dlopen by name,
// dlsym of every entry point, version check, cuInit): put its folder first in LD_LIBRARY_PATH.
//   FAKE_CUDA_VERSION  what cuDriverGetVersion answers (default 12060)
//   FAKE_CUDA_INIT     what cuInit answers (default 0; 100 = CUDA_ERROR_NO_DEVICE)
// Only the calls queryCuda() makes do anything; the others exist so that dlsym finds them.
#include <cstdlib>
#include <cstring>

namespace {
int envInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::atoi(v) : fallback;
}
}  // namespace

extern "C" {
__attribute__((visibility("default"))) int cuInit(unsigned) { return envInt("FAKE_CUDA_INIT", 0); }
__attribute__((visibility("default"))) int cuDriverGetVersion(int* v) { return *v = envInt("FAKE_CUDA_VERSION", 12060), 0; }
__attribute__((visibility("default"))) int cuGetErrorName(int e, const char** s) {
  return *s = e == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN", 0;
}
__attribute__((visibility("default"))) int cuGetErrorString(int e, const char** s) {
  return *s = e == 100 ? "no CUDA-capable device is detected" : "unknown error", 0;
}
__attribute__((visibility("default"))) int cuDeviceGetCount(int* c) { return *c = 1, 0; }
__attribute__((visibility("default"))) int cuDeviceGet(int* d, int ordinal) { return ordinal == 0 ? (*d = 0, 0) : 101; }
__attribute__((visibility("default"))) int cuDeviceGetName(char* name, int length, int) {
  std::strncpy(name, "Fake Jetson Orin", static_cast<size_t>(length));
  return 0;
}
__attribute__((visibility("default"))) int cuDeviceGetAttribute(int* v, int attribute, int) {
  *v = attribute == 75 ? 8 : attribute == 76 ? 7 : attribute == 18 ? 1 : 0;
  return 0;
}
__attribute__((visibility("default"))) int cuDeviceTotalMem_v2(size_t* b, int) { return *b = size_t(16) << 30, 0; }
}

// Every other entry point of the table: present, never called by the tests.
#define YOLOE_FAKE_STUB(name) \
  extern "C" __attribute__((visibility("default"))) int name() { return 999; }
YOLOE_FAKE_STUB(cuDevicePrimaryCtxRetain)
YOLOE_FAKE_STUB(cuDevicePrimaryCtxRelease_v2)
YOLOE_FAKE_STUB(cuCtxSetCurrent)
YOLOE_FAKE_STUB(cuCtxGetCurrent)
YOLOE_FAKE_STUB(cuCtxSynchronize)
YOLOE_FAKE_STUB(cuMemAlloc_v2)
YOLOE_FAKE_STUB(cuMemFree_v2)
YOLOE_FAKE_STUB(cuMemHostAlloc)
YOLOE_FAKE_STUB(cuMemFreeHost)
YOLOE_FAKE_STUB(cuMemHostGetDevicePointer_v2)
YOLOE_FAKE_STUB(cuMemcpyHtoDAsync_v2)
YOLOE_FAKE_STUB(cuMemcpyDtoHAsync_v2)
YOLOE_FAKE_STUB(cuMemcpyDtoDAsync_v2)
YOLOE_FAKE_STUB(cuMemsetD8Async)
YOLOE_FAKE_STUB(cuStreamCreate)
YOLOE_FAKE_STUB(cuStreamDestroy_v2)
YOLOE_FAKE_STUB(cuStreamSynchronize)
YOLOE_FAKE_STUB(cuEventCreate)
YOLOE_FAKE_STUB(cuEventDestroy_v2)
YOLOE_FAKE_STUB(cuEventRecord)
YOLOE_FAKE_STUB(cuEventSynchronize)
YOLOE_FAKE_STUB(cuEventElapsedTime)
YOLOE_FAKE_STUB(cuStreamBeginCapture_v2)
YOLOE_FAKE_STUB(cuStreamEndCapture)
YOLOE_FAKE_STUB(cuGraphLaunch)
YOLOE_FAKE_STUB(cuGraphExecDestroy)
YOLOE_FAKE_STUB(cuGraphDestroy)
YOLOE_FAKE_STUB(cuModuleLoadData)
YOLOE_FAKE_STUB(cuModuleUnload)
YOLOE_FAKE_STUB(cuModuleGetFunction)
YOLOE_FAKE_STUB(cuLaunchKernel)
YOLOE_FAKE_STUB(cuCtxGetDevice)
// so a second build of this file without it stands for a driver that lacks it (see CMake).
#if !defined(FAKE_CUDA_WITHOUT_GRAPH_FLAGS)
YOLOE_FAKE_STUB(cuGraphInstantiateWithFlags)
#endif
