// TensorRT's ILogger. TensorRT keeps ONE logger per process ("the logger is a singleton within
// the library; if using multiple builder or runtime objects, use the same logger"; later ones
// are ignored), so every builder and runtime gets processLogger(), which is never destroyed.
// What one operation logged is collected by a LogCapture on the calling thread, so an error
// names that operation's messages and nothing older.
#pragma once

#include <NvInfer.h>

#include <mutex>
#include <string>
#include <vector>

namespace yoloe::trt {

// The one logger handed to TensorRT: lives for the whole process (never freed, so a runtime
// created by any engine can log through it at any time).
nvinfer1::ILogger& processLogger();

// Collects the warnings and errors logged while it is alive: lines logged on its thread, and
// lines logged on threads that have no capture of their own (TensorRT's builder threads).
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  std::vector<std::string> warnings() const;
  std::vector<std::string> errors() const;
  // `fallback` followed by this capture's errors, one per line.
  std::string errorSummary(const std::string& fallback) const;

  void add(bool error, const char* message);  // called by the logger

 private:
  static constexpr size_t kMaxKept = 64;  // per operation; a runaway log cannot grow memory
  LogCapture* previous_;
  mutable std::mutex mutex_;
  std::vector<std::string> warnings_;
  std::vector<std::string> errors_;
};

}  // namespace yoloe::trt
