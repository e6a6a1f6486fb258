#include "logger.h"

#include <algorithm>

namespace yoloe::trt {

namespace {

thread_local LogCapture* tCapture = nullptr;

std::mutex gActiveMutex;
std::vector<LogCapture*>& activeCaptures() {
  static auto* active = new std::vector<LogCapture*>();  // never destroyed, like the logger
  return *active;
}

class ProcessLogger final : public nvinfer1::ILogger {
 public:
  void log(Severity severity, nvinfer1::AsciiChar const* message) noexcept override {
    if (severity > Severity::kWARNING || message == nullptr) return;
    const bool error = severity <= Severity::kERROR;
    try {
      if (tCapture != nullptr) {
        tCapture->add(error, message);
        return;
      }
      std::lock_guard<std::mutex> lock(gActiveMutex);
      for (LogCapture* capture : activeCaptures()) capture->add(error, message);
    } catch (...) {
      // Logging must never throw into TensorRT; a lost line is acceptable.
    }
  }
};

}  // namespace

nvinfer1::ILogger& processLogger() {
  static auto* logger = new ProcessLogger();  // intentionally leaked: TensorRT may log until exit
  return *logger;
}

LogCapture::LogCapture() : previous_(tCapture) {
  tCapture = this;
  std::lock_guard<std::mutex> lock(gActiveMutex);
  activeCaptures().push_back(this);
}

LogCapture::~LogCapture() {
  tCapture = previous_;
  std::lock_guard<std::mutex> lock(gActiveMutex);
  auto& active = activeCaptures();
  active.erase(std::remove(active.begin(), active.end(), this), active.end());
}

void LogCapture::add(bool error, const char* message) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& list = error ? errors_ : warnings_;
  if (list.size() < kMaxKept) list.emplace_back(message);
}

std::vector<std::string> LogCapture::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

std::vector<std::string> LogCapture::errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}

std::string LogCapture::errorSummary(const std::string& fallback) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (errors_.empty()) return fallback;
  std::string text = fallback + ":";
  for (const auto& line : errors_) text += "\n  " + line;
  return text;
}

}  // namespace yoloe::trt
