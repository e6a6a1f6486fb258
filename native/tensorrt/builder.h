// ONNX -> serialized TensorRT plan. The interface is NvInfer-free so the N-API binding can call
// it without including TensorRT headers; builder.cpp holds the TensorRT code.
#pragma once

#include "build_options.h"

namespace yoloe::trt {

// Runs on a worker thread. Throws BackendError with a code from errors.h.
BuildResult buildSerializedEngine(const BuildOptions& options, ProgressSink* progress);

}  // namespace yoloe::trt
