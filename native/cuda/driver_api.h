// The one table of CUDA driver API entry points that yoloe-trt calls. Nothing in native/ calls
// CUDA directly: the addon resolves this table at run time from libcuda.so.1 (dlopen +
// cuGetProcAddress / dlsym, versions checked), so it links no CUDA library and loads on machines
// without a driver; tests install a host-memory implementation (native/tests) so that the
// TensorRT runtime paths run in CI without a GPU.
//
// Plain C++: no CUDA header is needed. The handle types are the driver API's own opaque pointers,
// so a CUstream here is the cudaStream_t that TensorRT takes (both are `CUstream_st*`).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

struct CUctx_st;
struct CUstream_st;
struct CUevent_st;
struct CUmod_st;
struct CUfunc_st;
struct CUgraph_st;
struct CUgraphExec_st;

namespace yoloe::cuda {

using CUresult = int;  // CUDA_SUCCESS == 0; values as in cuda.h
using CUdevice = int;
using CUdeviceptr = unsigned long long;  // cuda.h: unsigned long long on 64-bit hosts
using CUcontext = CUctx_st*;
using CUstream = CUstream_st*;
using CUevent = CUevent_st*;
using CUmodule = CUmod_st*;
using CUfunction = CUfunc_st*;
using CUgraph = CUgraph_st*;
using CUgraphExec = CUgraphExec_st*;

constexpr CUresult kCudaSuccess = 0;
constexpr CUresult kCudaErrorInvalidValue = 1;
constexpr CUresult kCudaErrorOutOfMemory = 2;
constexpr CUresult kCudaErrorNotInitialized = 3;
constexpr CUresult kCudaErrorInvalidImage = 200;
constexpr CUresult kCudaErrorInvalidContext = 201;
constexpr CUresult kCudaErrorNotFound = 500;
constexpr CUresult kCudaErrorNoDevice = 100;
constexpr CUresult kCudaErrorInvalidDevice = 101;
constexpr CUresult kCudaErrorNotSupported = 801;
constexpr CUresult kCudaErrorSystemDriverMismatch = 803;
constexpr CUresult kCudaErrorUnknown = 999;

// CUdevice_attribute values used here (cuda.h).
constexpr int kAttrComputeCapabilityMajor = 75;
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kAttrIntegrated = 18;
constexpr int kAttrCanMapHostMemory = 19;
constexpr int kAttrMemoryPoolsSupported = 115;

constexpr unsigned kStreamNonBlocking = 0x1;        // CU_STREAM_NON_BLOCKING
constexpr unsigned kMemHostAllocDeviceMap = 0x02;   // CU_MEMHOSTALLOC_DEVICEMAP
constexpr int kStreamCaptureModeThreadLocal = 1;    // CU_STREAM_CAPTURE_MODE_THREAD_LOCAL

// Entry points, each with the driver API's own signature (the _v2 ABI where cuda.h maps a name to
// one). A null member means that entry point was not found; callers check before use.
struct DriverApi {
  CUresult (*cuInit)(unsigned flags);
  CUresult (*cuDriverGetVersion)(int* version);
  CUresult (*cuGetErrorName)(CUresult error, const char** name);
  CUresult (*cuGetErrorString)(CUresult error, const char** text);

  CUresult (*cuDeviceGetCount)(int* count);
  CUresult (*cuDeviceGet)(CUdevice* device, int ordinal);
  CUresult (*cuDeviceGetName)(char* name, int length, CUdevice device);
  CUresult (*cuDeviceGetAttribute)(int* value, int attribute, CUdevice device);
  CUresult (*cuDeviceTotalMem)(size_t* bytes, CUdevice device);

  // The primary context is the one the CUDA runtime (and so TensorRT) uses on that device.
  CUresult (*cuDevicePrimaryCtxRetain)(CUcontext* context, CUdevice device);
  CUresult (*cuDevicePrimaryCtxRelease)(CUdevice device);
  CUresult (*cuCtxSetCurrent)(CUcontext context);
  CUresult (*cuCtxGetCurrent)(CUcontext* context);
  CUresult (*cuCtxSynchronize)();

  CUresult (*cuMemAlloc)(CUdeviceptr* ptr, size_t bytes);
  CUresult (*cuMemFree)(CUdeviceptr ptr);
  CUresult (*cuMemHostAlloc)(void** ptr, size_t bytes, unsigned flags);
  CUresult (*cuMemFreeHost)(void* ptr);
  CUresult (*cuMemHostGetDevicePointer)(CUdeviceptr* device, void* host, unsigned flags);
  CUresult (*cuMemcpyHtoDAsync)(CUdeviceptr dst, const void* src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoHAsync)(void* dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemcpyDtoDAsync)(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream);
  CUresult (*cuMemsetD8Async)(CUdeviceptr dst, unsigned char value, size_t count, CUstream stream);

  CUresult (*cuStreamCreate)(CUstream* stream, unsigned flags);
  CUresult (*cuStreamDestroy)(CUstream stream);
  CUresult (*cuStreamSynchronize)(CUstream stream);
  CUresult (*cuEventCreate)(CUevent* event, unsigned flags);
  CUresult (*cuEventDestroy)(CUevent event);
  CUresult (*cuEventRecord)(CUevent event, CUstream stream);
  CUresult (*cuEventSynchronize)(CUevent event);
  CUresult (*cuEventElapsedTime)(float* ms, CUevent start, CUevent end);

  CUresult (*cuStreamBeginCapture)(CUstream stream, int mode);
  CUresult (*cuStreamEndCapture)(CUstream stream, CUgraph* graph);
  CUresult (*cuGraphInstantiate)(CUgraphExec* exec, CUgraph graph, unsigned long long flags);
  CUresult (*cuGraphLaunch)(CUgraphExec exec, CUstream stream);
  CUresult (*cuGraphExecDestroy)(CUgraphExec exec);
  CUresult (*cuGraphDestroy)(CUgraph graph);

  // Kernels: cubins compiled on the device by NVRTC (see the kernel loader).
  CUresult (*cuModuleLoadData)(CUmodule* module, const void* image);
  CUresult (*cuModuleUnload)(CUmodule module);
  CUresult (*cuModuleGetFunction)(CUfunction* function, CUmodule module, const char* name);
  CUresult (*cuLaunchKernel)(CUfunction f, unsigned gridX, unsigned gridY, unsigned gridZ, unsigned blockX,
                             unsigned blockY, unsigned blockZ, unsigned sharedBytes, CUstream stream, void** params,
                             void** extra);

  // Appended members (keep the order above: other parts of the tree fill this table by name).
  CUresult (*cuCtxGetDevice)(CUdevice* device);  // the kernel loader compiles for the current context's GPU
};

// The oldest driver this table works with: cuGraphInstantiateWithFlags came with CUDA 11.4 (r470).
constexpr int kMinimumDriverVersion = 11040;

enum class DriverState {
  Ok,          // table resolved, cuInit succeeded
  NoDriver,    // libcuda.so.1 not found
  TooOld,      // older than kMinimumDriverVersion, or an entry point missing (every member null)
  NoDevice,    // cuInit: CUDA_ERROR_NO_DEVICE (the table is kept)
  InitFailed,  // cuInit failed otherwise (the table is kept; driverLoadError() says why)
};

// The process-wide table: the installed one (tests), else libcuda.so.1's, resolved once.
// Never null; when the driver cannot be loaded, every member is null and driverLoadError() says why.
const DriverApi& driverApi();
std::string driverLoadError();
DriverState driverState();  // Ok while a test table is installed
int driverVersion();        // cuDriverGetVersion's answer (12060), also for a driver too old; 0 = none

// Tests: replace the table for the whole process (nullptr restores the real one). Not thread-safe
// against concurrent CUDA use; install it before any other call.
void installDriverApiForTesting(const DriverApi* table);

// "cuMemAlloc failed: CUDA_ERROR_OUT_OF_MEMORY (out of memory)".
std::string describeCudaError(CUresult status, const char* what);

}  // namespace yoloe::cuda
