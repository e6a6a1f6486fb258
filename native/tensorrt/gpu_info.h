// The CUDA device an engine is built for or runs on, described through the driver API table.
#pragma once

#include "build_options.h"

namespace yoloe::trt {

// Describes `device` (no context is made current here: see DeviceContext). Throws BackendError
// (ERR_BACKEND_UNAVAILABLE when there is no driver or no such device).
GpuDescription describeGpu(int device);

}  // namespace yoloe::trt
