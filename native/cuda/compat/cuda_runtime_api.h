// Stand-in for the CUDA toolkit's cuda_runtime_api.h, on the include path only when the real
// header is absent (CMakeLists.txt), so the TensorRT headers compile without a CUDA toolkit.
// TensorRT's public headers use just two runtime types, the stream and event handles; they are
// the driver API's opaque pointers (the same types as CUstream / CUevent in driver_api.h, as in
// CUDA itself), so TensorRT takes the streams our driver table creates. Nothing here can be
// called: yoloe-trt never calls the CUDA runtime; every CUDA call goes through driver_api.h.
#pragma once

#if defined(__CUDA_RUNTIME_API_H__)
#error "yoloe-trt's cuda_runtime_api.h stand-in met the real one: only one may be on the include path"
#endif
#define YOLOE_CUDA_RUNTIME_API_STANDIN 1

struct CUstream_st;
struct CUevent_st;
typedef struct CUstream_st* cudaStream_t;
typedef struct CUevent_st* cudaEvent_t;
