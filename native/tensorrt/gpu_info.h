// The CUDA device an engine is built for or runs on. Declared header-free; implemented with the
// CUDA runtime (gpu_info.cpp, TensorRT builds only).
#pragma once

#include "build_options.h"

namespace yoloe::trt {

// Selects `device` on the calling thread and describes it; throws BackendError
// (ERR_BACKEND_UNAVAILABLE when there is no driver or no such device).
GpuDescription selectGpu(int device);

}  // namespace yoloe::trt
