// YOLOE_HD marks per-element code shared by a CPU twin (native/core) and its CUDA kernel
// (native/cuda): __host__ __device__ under nvcc, nothing for a plain C++ compiler.
#pragma once

#if defined(__CUDACC__)
#define YOLOE_HD __host__ __device__ __forceinline__
#else
#define YOLOE_HD inline
#endif
