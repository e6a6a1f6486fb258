#include "progress_monitor.h"

namespace yoloe::trt {

namespace {

std::string text(char const* value) { return value != nullptr ? std::string(value) : std::string(); }

}  // namespace

// TensorRT calls these noexcept: a failing sink must not unwind into the builder.
void ProgressMonitor::phaseStart(char const* phaseName, char const* parentPhase, int32_t nbSteps) noexcept {
  try {
    sink_.phaseStart(text(phaseName), text(parentPhase), nbSteps);
  } catch (...) {
  }
}

bool ProgressMonitor::stepComplete(char const* phaseName, int32_t step) noexcept {
  try {
    sink_.stepComplete(text(phaseName), step);
  } catch (...) {
  }
  return !sink_.cancelled();
}

void ProgressMonitor::phaseFinish(char const* phaseName) noexcept {
  try {
    sink_.phaseFinish(text(phaseName));
  } catch (...) {
  }
}

}  // namespace yoloe::trt
