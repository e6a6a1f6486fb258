#include "calibration_cache.h"

#include <cctype>
#include <set>
#include <sstream>

#include "build_options.h"
#include "errors.h"
#include "file_io.h"

namespace yoloe::trt {

const char* calibrationAlgorithmName(CalibrationMethod method) {
  return method == CalibrationMethod::MinMax ? "MinMaxCalibration" : "EntropyCalibration2";
}

const char* cacheStatusName(CacheStatus status) {
  switch (status) {
    case CacheStatus::Valid:
      return "valid";
    case CacheStatus::VersionMismatch:
      return "version-mismatch";
    case CacheStatus::AlgorithmMismatch:
      return "algorithm-mismatch";
    case CacheStatus::Corrupt:
      return "corrupt";
    case CacheStatus::Empty:
      return "empty";
  }
  return "corrupt";
}

namespace {

void stripCarriageReturn(std::string& line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
}

std::string trimmed(const std::string& text) {
  size_t begin = 0, end = text.size();
  while (begin < end && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(text[end - 1]))) --end;
  return text.substr(begin, end - begin);
}

// Known encodings only: major*1000+minor*100+patch before 10 (4 digits), major*10000+... from 10.
bool knownVersionCode(int64_t value) { return (value >= 1000 && value < 10000) || (value >= 100000 && value < 10000000); }

// "TRT-100300-EntropyCalibration2" -> version 100300, algorithm "EntropyCalibration2".
bool parseHeader(const std::string& rawLine, int32_t& version, std::string& algorithm) {
  const std::string line = trimmed(rawLine);
  if (line.rfind("TRT-", 0) != 0) return false;
  const size_t dash = line.find('-', 4);
  if (dash == std::string::npos || dash == 4 || dash - 4 > 9) return false;
  int64_t value = 0;
  for (size_t i = 4; i < dash; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(line[i]))) return false;
    value = value * 10 + (line[i] - '0');
  }
  algorithm = line.substr(dash + 1);
  if (algorithm.empty() || !knownVersionCode(value)) return false;
  for (char c : algorithm) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  version = static_cast<int32_t>(value);
  return true;
}

// "<name>: <hex>": the value follows the LAST colon (tensor names may hold colons), 1..8 hex
// digits, as lib/quantize/trt-cache.ts reads it.
bool parseScaleLine(const std::string& line, std::string& name) {
  const size_t colon = line.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  name = line.substr(0, colon);
  const std::string hex = trimmed(line.substr(colon + 1));
  if (hex.empty() || hex.size() > 8) return false;
  for (char c : hex) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

CacheInspection inspectCalibrationCache(const std::string& text, int32_t runningVersion, CalibrationMethod method) {
  CacheInspection result;
  std::istringstream lines(text);
  std::string line;
  if (!std::getline(lines, line) || (stripCarriageReturn(line), line.empty())) {
    result.status = CacheStatus::Empty;
    result.problem = "the calibration cache is empty";
    return result;
  }
  if (!parseHeader(line, result.version, result.algorithm)) {
    result.status = CacheStatus::Corrupt;
    result.problem = "the first line is not a TensorRT calibration cache header (TRT-<version>-<algorithm>)";
    return result;
  }
  size_t lineNumber = 1;
  std::set<std::string> names;
  while (std::getline(lines, line)) {
    ++lineNumber;
    stripCarriageReturn(line);
    if (trimmed(line).empty()) continue;
    std::string name;
    if (!parseScaleLine(line, name)) {
      result.status = CacheStatus::Corrupt;
      result.problem = "line " + std::to_string(lineNumber) + " is not '<tensor>: <8 hex digits>'";
      return result;
    }
    if (!names.insert(name).second) {
      result.status = CacheStatus::Corrupt;
      result.problem = "tensor '" + name + "' appears twice (line " + std::to_string(lineNumber) + ")";
      return result;
    }
    ++result.entries;
  }
  if (result.entries == 0) {
    result.status = CacheStatus::Corrupt;
    result.problem = "the calibration cache has a header but no tensor scales";
    return result;
  }
  if (result.algorithm != calibrationAlgorithmName(method)) {
    result.status = CacheStatus::AlgorithmMismatch;
    result.problem = "the cache was made by " + result.algorithm + ", not " + calibrationAlgorithmName(method);
    return result;
  }
  if (result.version != runningVersion) {
    result.status = CacheStatus::VersionMismatch;
    result.problem = "the cache header says TensorRT version code " + std::to_string(result.version) +
                     ", the running library is " + std::to_string(runningVersion);
    return result;
  }
  result.status = CacheStatus::Valid;
  return result;
}

std::string rewriteCalibrationCacheHeader(const std::string& text, int32_t runningVersion, CalibrationMethod method) {
  const size_t newline = text.find('\n');
  const std::string body = newline == std::string::npos ? std::string() : text.substr(newline);
  return "TRT-" + std::to_string(runningVersion) + "-" + calibrationAlgorithmName(method) + body;
}

}  // namespace yoloe::trt

namespace yoloe::trt {

PreparedCache prepareCalibrationCache(const CalibrationOptions& options, int32_t runningVersionCode,
                                      std::vector<std::string>& warnings) {
  PreparedCache prepared{"", "none"};
  if (options.cachePath.empty() || !fileExists(options.cachePath)) {
    if (options.dataPath.empty()) {
      throw BackendError(kErrCalibration, "INT8 calibration needs calibration images or an existing cache" +
                                              (options.cachePath.empty() ? std::string() : " (" + options.cachePath + " does not exist)"));
    }
    return prepared;
  }
  const std::vector<char> bytes = readWholeFile(options.cachePath, kErrCalibration);
  const std::string text(bytes.begin(), bytes.end());
  const CacheInspection inspection = inspectCalibrationCache(text, runningVersionCode, options.method);
  const std::string where = "Calibration cache " + options.cachePath;
  switch (inspection.status) {
    case CacheStatus::Valid:
      prepared.text = text;
      prepared.state = "used";
      return prepared;
    case CacheStatus::VersionMismatch:
      if (options.rejectVersionMismatch) {
        throw BackendError(kErrCalibration, where + ": " + inspection.problem +
                                                " (refused because the cache version check is strict; delete the cache or allow rewriting)");
      }
      warnings.push_back(where + ": " + inspection.problem + "; header rewritten to the running version");
      prepared.text = rewriteCalibrationCacheHeader(text, runningVersionCode, options.method);
      prepared.state = "rewritten";
      return prepared;
    case CacheStatus::AlgorithmMismatch:
    case CacheStatus::Corrupt:
    case CacheStatus::Empty:
      break;
  }
  if (options.dataPath.empty()) {
    throw BackendError(kErrCalibration, where + " is unusable (" + inspection.problem +
                                            ") and no calibration images were given to recalibrate");
  }
  warnings.push_back(where + " is unusable (" + inspection.problem + "); recalibrating");
  prepared.state = "recalibrated";
  return prepared;
}

}  // namespace yoloe::trt
