// Errors raised by the TensorRT backend: a yoloe::Error (native/core/error.h) whose code is one
// of lib/errors.ts' codes, so the addon's guards turn it into a JS Error with that `.code`.
// Header-free (no NvInfer.h, no napi.h).
#pragma once

#include <string>

#include "core/error.h"

namespace yoloe::trt {

class BackendError : public yoloe::Error {
 public:
  // `code` must be one of the constants below (stored as a pointer, never copied).
  BackendError(const char* code, const std::string& message) : yoloe::Error(code, message) {}
};

inline constexpr const char* kErrUnavailable = "ERR_BACKEND_UNAVAILABLE";
inline constexpr const char* kErrBackend = "ERR_BACKEND";
inline constexpr const char* kErrMismatch = "ERR_ENGINE_MISMATCH";
inline constexpr const char* kErrCalibration = "ERR_CALIBRATION";
inline constexpr const char* kErrInvalidOption = "ERR_INVALID_OPTION";
inline constexpr const char* kErrShape = "ERR_SHAPE";
inline constexpr const char* kErrModelFormat = "ERR_MODEL_FORMAT";
inline constexpr const char* kErrFileNotFound = "ERR_FILE_NOT_FOUND";
inline constexpr const char* kErrCancelled = "ERR_CANCELLED";

}  // namespace yoloe::trt
