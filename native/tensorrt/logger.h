// TensorRT's ILogger: keeps warnings and errors so a failed build or load can say why.
#pragma once

#include <NvInfer.h>

#include <mutex>
#include <string>
#include <vector>

namespace yoloe::trt {

class Logger : public nvinfer1::ILogger {
 public:
  explicit Logger(Severity threshold = Severity::kWARNING) : threshold_(threshold) {}

  // TensorRT may call this from its own threads: the lists are guarded.
  void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override;

  std::vector<std::string> warnings() const;
  std::vector<std::string> errors() const;
  // The errors joined on one line each, or `fallback` when TensorRT said nothing.
  std::string errorSummary(const std::string& fallback) const;

 private:
  static constexpr size_t kMaxKept = 64;
  Severity threshold_;
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
  std::vector<std::string> errors_;
};

}  // namespace yoloe::trt
