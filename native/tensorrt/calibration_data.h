// The calibration tensor file written by lib/quantize/calibration-set.ts, read batch by batch
// by the INT8 calibrators. Header-free. Layout (little-endian):
//   "YOLOECAL" | u32 format version (1) | u32 dtype (0 = float32) | u32 rank | u32 dims[rank]
//   | u32 batch count | batch count x prod(dims) float32 values (NCHW, one batch after another)
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace yoloe::trt {

inline constexpr char kCalibrationMagic[8] = {'Y', 'O', 'L', 'O', 'E', 'C', 'A', 'L'};

class CalibrationData {
 public:
  // Validates the header and the file size; throws BackendError(ERR_CALIBRATION).
  explicit CalibrationData(const std::string& path);

  const std::vector<int64_t>& batchDims() const { return dims_; }
  size_t batchCount() const { return batchCount_; }
  size_t batchBytes() const { return batchBytes_; }
  // Reads batch `index` into `destination` (batchBytes() bytes); false past the end.
  bool readBatch(size_t index, void* destination);

 private:
  std::ifstream file_;
  std::string path_;
  std::vector<int64_t> dims_;
  size_t batchCount_ = 0;
  size_t batchBytes_ = 0;
  uint64_t dataOffset_ = 0;
};

}  // namespace yoloe::trt
