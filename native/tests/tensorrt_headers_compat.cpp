// TensorRT's public headers compile against native/cuda/compat/cuda_runtime_api.h (no CUDA
// toolkit), and their stream type is the driver table's CUstream: TensorRT can be handed the
// streams driver_api.h creates. Built once per TensorRT release in ../shared/tensorrt-headers.
#include <NvInferRuntime.h>
#include <NvOnnxParser.h>

#include <cstdio>
#include <type_traits>

#include "cuda/driver_api.h"

#if !defined(YOLOE_CUDA_RUNTIME_API_STANDIN)
#error "the real cuda_runtime_api.h was used: this check is about the stand-in"
#endif

static_assert(std::is_same<cudaStream_t, yoloe::cuda::CUstream>::value, "TensorRT's stream is the driver API's CUstream");
static_assert(std::is_same<cudaEvent_t, yoloe::cuda::CUevent>::value, "TensorRT's event is the driver API's CUevent");
// enqueueV3 takes that stream
static_assert(std::is_same<decltype(&nvinfer1::IExecutionContext::enqueueV3), bool (nvinfer1::IExecutionContext::*)(cudaStream_t) noexcept>::value,
              "IExecutionContext::enqueueV3(cudaStream_t)");

int main() {
  std::printf("TensorRT %d.%d headers compile against the cuda_runtime_api.h stand-in\n", NV_TENSORRT_MAJOR, NV_TENSORRT_MINOR);
  return 0;
}
