#include "calibration_data.h"

#include <cstring>
#include <limits>

#include "errors.h"

namespace yoloe::trt {

namespace {

constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kMaxRank = 8;

uint32_t readU32(std::ifstream& file) {
  uint8_t bytes[4] = {0, 0, 0, 0};
  file.read(reinterpret_cast<char*>(bytes), 4);
  return static_cast<uint32_t>(bytes[0]) | (static_cast<uint32_t>(bytes[1]) << 8) |
         (static_cast<uint32_t>(bytes[2]) << 16) | (static_cast<uint32_t>(bytes[3]) << 24);
}

}  // namespace

CalibrationData::CalibrationData(const std::string& path) : file_(path, std::ios::binary | std::ios::ate), path_(path) {
  auto fail = [&](const std::string& why) { return BackendError(kErrCalibration, "Calibration data " + path + ": " + why); };
  if (!file_) throw fail("cannot be opened");
  const uint64_t fileSize = static_cast<uint64_t>(file_.tellg());
  file_.seekg(0);
  char magic[8] = {};
  file_.read(magic, sizeof(magic));
  if (!file_ || std::memcmp(magic, kCalibrationMagic, sizeof(magic)) != 0) throw fail("not a YOLOECAL tensor file");
  const uint32_t version = readU32(file_);
  const uint32_t dtype = readU32(file_);
  const uint32_t rank = readU32(file_);
  if (!file_ || version != kFormatVersion) throw fail("unsupported format version " + std::to_string(version));
  if (dtype != 0) throw fail("only float32 batches are supported (dtype " + std::to_string(dtype) + ")");
  if (rank == 0 || rank > kMaxRank) throw fail("bad rank " + std::to_string(rank));
  uint64_t elements = 1;
  for (uint32_t i = 0; i < rank; ++i) {
    const uint32_t dim = readU32(file_);
    if (dim == 0 || elements > std::numeric_limits<uint32_t>::max() / dim) throw fail("bad batch shape");
    elements *= dim;
    dims_.push_back(dim);
  }
  batchCount_ = readU32(file_);
  if (!file_) throw fail("truncated header");
  dataOffset_ = static_cast<uint64_t>(file_.tellg());
  batchBytes_ = static_cast<size_t>(elements * sizeof(float));
  if (batchCount_ == 0) throw fail("holds no batches");
  if (dataOffset_ + static_cast<uint64_t>(batchBytes_) * batchCount_ != fileSize) {
    throw fail("size " + std::to_string(fileSize) + " does not match " + std::to_string(batchCount_) + " batches of " +
               std::to_string(batchBytes_) + " bytes");
  }
}

bool CalibrationData::readBatch(size_t index, void* destination) {
  if (index >= batchCount_) return false;
  file_.clear();
  file_.seekg(static_cast<std::streamoff>(dataOffset_ + static_cast<uint64_t>(index) * batchBytes_));
  file_.read(static_cast<char*>(destination), static_cast<std::streamsize>(batchBytes_));
  if (!file_) throw BackendError(kErrCalibration, "Calibration data " + path_ + ": batch " + std::to_string(index) + " unreadable");
  return true;
}

}  // namespace yoloe::trt
