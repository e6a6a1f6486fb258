// TensorRT's IProgressMonitor (TensorRT >= 10) forwarded to a ProgressSink; returning false from
// stepComplete is how a build is cancelled.
#pragma once

#include <NvInfer.h>

#include "build_options.h"

namespace yoloe::trt {

class ProgressMonitor : public nvinfer1::IProgressMonitor {
 public:
  explicit ProgressMonitor(ProgressSink& sink) : sink_(sink) {}

  void phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept override;
  bool stepComplete(char const* phaseName, int32_t step) noexcept override;
  void phaseFinish(char const* phaseName) noexcept override;

 private:
  ProgressSink& sink_;
};

}  // namespace yoloe::trt
