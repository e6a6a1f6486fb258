#include "calibrator.h"

#if NV_TENSORRT_MAJOR < 11

#include <cstring>

#include "errors.h"
#include "cuda_check.h"
#include "file_io.h"

namespace yoloe::trt {

CalibrationFeed::CalibrationFeed(std::unique_ptr<CalibrationData> data, std::string inputName, std::string cacheText,
                                 std::string cachePath, ProgressSink* progress, std::vector<FixedInput> fixedInputs)
    : data_(std::move(data)),
      inputName_(std::move(inputName)),
      cacheText_(std::move(cacheText)),
      cachePath_(std::move(cachePath)),
      progress_(progress),
      fixed_(std::move(fixedInputs)) {
  if (data_) {
    staging_ = PinnedBuffer(data_->batchBytes(), false);
    device_ = DeviceBuffer(data_->batchBytes());
  }
}

bool CalibrationFeed::nextBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept {
  if (!data_ || !failure_.empty()) return false;
  if (progress_ != nullptr && progress_->cancelled()) {
    failure_ = "Engine build cancelled during calibration";
    return false;
  }
  try {
    if (next_ >= data_->batchCount()) {
      if (progress_ != nullptr) progress_->phaseFinish("Calibration batches");
      return false;
    }
    if (next_ == 0 && progress_ != nullptr) {
      progress_->phaseStart("Calibration batches", "", static_cast<int32_t>(data_->batchCount()));
    }
    // The image input takes the batch; every other input must be one of the fixed tensors (a
    // run-time vocabulary's class embeddings), else it is not what the calibration set was made for.
    int32_t slot = -1;
    for (int32_t i = 0; i < nbBindings; ++i) {
      const std::string name = names[i] != nullptr ? names[i] : "";
      if (name == inputName_) {
        slot = i;
        continue;
      }
      bool fed = false;
      for (FixedInput& fixed : fixed_) {
        if (fixed.name == name) bindings[i] = fixed.device.get(), fed = true;
      }
      if (!fed) {
        failure_ = "TensorRT asked for calibration input '" + name + "', which has no calibration data (" +
                   std::to_string(nbBindings) + " bindings; a class-embeddings input takes calibration.embeddings)";
        return false;
      }
    }
    if (slot < 0) {
      failure_ = "TensorRT did not ask for calibration input '" + inputName_ + "' (" + std::to_string(nbBindings) + " bindings)";
      return false;
    }
    data_->readBatch(next_, staging_.host());
    copyToDevice(device_.get(), staging_.host(), data_->batchBytes(), nullptr, "cuMemcpyHtoDAsync (calibration batch)");
    cudaCheck(driver().cuStreamSynchronize(nullptr), "cuStreamSynchronize (calibration batch)");
    bindings[slot] = device_.get();
    if (progress_ != nullptr) progress_->stepComplete("Calibration batches", static_cast<int32_t>(next_));
    ++next_;
    return true;
  } catch (const std::exception& error) {
    failure_ = error.what();
    return false;
  }
}

const void* CalibrationFeed::readCache(size_t& length) noexcept {
  length = cacheText_.size();
  return cacheText_.empty() ? nullptr : cacheText_.data();
}

void CalibrationFeed::writeCache(const void* ptr, size_t length) noexcept {
  if (cachePath_.empty() || ptr == nullptr || length == 0) return;
  try {
    writeFileAtomic(cachePath_, ptr, length, kErrCalibration);
    cacheWritten_ = true;
  } catch (const std::exception& error) {
    cacheWriteProblem_ = std::string("The calibration cache was not written: ") + error.what();
  }
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

namespace {

// One template for both algorithms: they differ only in the base class TensorRT dispatches on.
template <class Algorithm>
class FileCalibrator final : public Algorithm {
 public:
  explicit FileCalibrator(CalibrationFeed& feed) : feed_(feed) {}

  // Explicit-batch networks take the batch size from the calibration profile's shape, so
  // TensorRT 10 expects 1 here.
  int32_t getBatchSize() const noexcept override { return 1; }
  bool getBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept override {
    return feed_.nextBatch(bindings, names, nbBindings);
  }
  void const* readCalibrationCache(std::size_t& length) noexcept override { return feed_.readCache(length); }
  void writeCalibrationCache(void const* ptr, std::size_t length) noexcept override { feed_.writeCache(ptr, length); }

 private:
  CalibrationFeed& feed_;
};

}  // namespace

std::unique_ptr<nvinfer1::IInt8Calibrator> makeCalibrator(CalibrationMethod method, CalibrationFeed& feed) {
  if (method == CalibrationMethod::MinMax) {
    return std::make_unique<FileCalibrator<nvinfer1::IInt8MinMaxCalibrator>>(feed);
  }
  return std::make_unique<FileCalibrator<nvinfer1::IInt8EntropyCalibrator2>>(feed);
}

#pragma GCC diagnostic pop

}  // namespace yoloe::trt

#endif  // NV_TENSORRT_MAJOR < 11
