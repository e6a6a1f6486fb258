// Errors raised by the TensorRT backend. Header-free (no NvInfer.h, no napi.h): the binding
// turns a BackendError into a JS Error whose `.code` is one of lib/errors.ts' codes.
#pragma once

#include <stdexcept>
#include <string>

namespace yoloe::trt {

class BackendError : public std::runtime_error {
 public:
  BackendError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// The codes the backend uses (a subset of YoloeTrtErrorCode in lib/errors.ts).
inline constexpr const char* kErrUnavailable = "ERR_BACKEND_UNAVAILABLE";
inline constexpr const char* kErrBackend = "ERR_BACKEND";
inline constexpr const char* kErrMismatch = "ERR_ENGINE_MISMATCH";
inline constexpr const char* kErrCalibration = "ERR_CALIBRATION";
inline constexpr const char* kErrInvalidOption = "ERR_INVALID_OPTION";
inline constexpr const char* kErrShape = "ERR_SHAPE";
inline constexpr const char* kErrModelFormat = "ERR_MODEL_FORMAT";
inline constexpr const char* kErrFileNotFound = "ERR_FILE_NOT_FOUND";

}  // namespace yoloe::trt
