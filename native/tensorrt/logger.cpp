#include "logger.h"

namespace yoloe::trt {

void Logger::log(Severity severity, nvinfer1::AsciiChar const* message) noexcept {
  if (severity > threshold_ || message == nullptr) return;
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    auto& list = severity <= Severity::kERROR ? errors_ : warnings_;
    if (list.size() < kMaxKept) list.emplace_back(message);
  } catch (...) {
    // Logging must never throw into TensorRT; a lost line is acceptable.
  }
}

std::vector<std::string> Logger::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

std::vector<std::string> Logger::errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}

std::string Logger::errorSummary(const std::string& fallback) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (errors_.empty()) return fallback;
  std::string text = fallback + ":";
  for (const auto& line : errors_) text += "\n  " + line;
  return text;
}

}  // namespace yoloe::trt
