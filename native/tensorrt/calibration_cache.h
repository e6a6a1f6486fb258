// TensorRT INT8 calibration cache text, checked before a build hands it to TensorRT. Header-free.
// Format (same as lib/quantize/trt-cache.ts):
//   TRT-<N>-<Algorithm>        N = major*10000 + minor*100 + patch (10.x and later)
//   <tensor name>: <8 lowercase hex digits: float32 scale bits, big-endian>
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe::trt {

enum class CalibrationMethod { Entropy, MinMax };

// The algorithm name TensorRT writes in the cache header for each calibrator.
const char* calibrationAlgorithmName(CalibrationMethod method);

enum class CacheStatus {
  Valid,              // same version and algorithm, every line well formed
  VersionMismatch,    // well formed but written by another TensorRT version
  AlgorithmMismatch,  // well formed but for the other calibrator: TensorRT would ignore it
  Corrupt,            // not a calibration cache (bad header or line)
  Empty,
};

struct CacheInspection {
  CacheStatus status = CacheStatus::Empty;
  int32_t version = 0;  // from the header, 0 when unreadable
  std::string algorithm;
  size_t entries = 0;
  std::string problem;  // human-readable reason when not Valid
};

CacheInspection inspectCalibrationCache(const std::string& text, int32_t runningVersion, CalibrationMethod method);

// The same cache with its header line replaced by the running version's.
std::string rewriteCalibrationCacheHeader(const std::string& text, int32_t runningVersion, CalibrationMethod method);

const char* cacheStatusName(CacheStatus status);

}  // namespace yoloe::trt

namespace yoloe::trt {

struct CalibrationOptions;

// What a build hands TensorRT as the calibration cache, decided before the build starts.
struct PreparedCache {
  std::string text;   // empty = no usable cache: calibrate from the data
  std::string state;  // "none" | "used" | "rewritten" | "recalibrated"
};

// Reads options.cachePath (when set and present) and applies the policy:
//   valid -> used; other TensorRT version -> header rewritten (or ERR_CALIBRATION when
//   options.rejectVersionMismatch); other algorithm / corrupt / empty -> warning and recalibrate,
//   or ERR_CALIBRATION when there is no calibration data to recalibrate from.
PreparedCache prepareCalibrationCache(const CalibrationOptions& options, int32_t runningVersionCode,
                                      std::vector<std::string>& warnings);

}  // namespace yoloe::trt
