// INT8 calibrators for TensorRT 10's implicit quantization (removed in TensorRT 11, where INT8
// comes from Q/DQ ONNX only). Batches are read from the YOLOECAL file that
// lib/quantize/calibration-set.ts prepared with the inference preprocessing; the cache was
// checked beforehand by prepareCalibrationCache().
#pragma once

#include <NvInfer.h>

#include <memory>
#include <string>

#include "build_options.h"
#include "calibration_data.h"
#include "device_memory.h"

namespace yoloe::trt {

#if NV_TENSORRT_MAJOR < 11

// The calibrator's state, shared by both algorithms.
class CalibrationFeed {
 public:
  // A tensor handed with every batch for an input other than the image (already on the device).
  struct FixedInput {
    std::string name;
    DeviceBuffer device;
  };
  // `data` may be null when a valid cache makes batches unnecessary.
  CalibrationFeed(std::unique_ptr<CalibrationData> data, std::string inputName, std::string cacheText,
                  std::string cachePath, ProgressSink* progress, std::vector<FixedInput> fixedInputs = {});

  bool nextBatch(void* bindings[], char const* names[], int32_t nbBindings) noexcept;
  const void* readCache(size_t& length) noexcept;
  void writeCache(const void* ptr, size_t length) noexcept;

  // Set when a batch could not be delivered: the build fails with it instead of silently
  // calibrating on fewer batches.
  const std::string& failure() const { return failure_; }
  bool cacheWritten() const { return cacheWritten_; }
  // A cache that could not be written loses nothing the build needs: the plan is kept and this
  // says why the cache is missing.
  const std::string& cacheWriteProblem() const { return cacheWriteProblem_; }
  size_t batchesDelivered() const { return next_; }

 private:
  std::unique_ptr<CalibrationData> data_;
  std::string inputName_;
  std::string cacheText_;
  std::string cachePath_;
  ProgressSink* progress_;
  PinnedBuffer staging_;
  DeviceBuffer device_;
  std::vector<FixedInput> fixed_;
  size_t next_ = 0;
  std::string failure_;
  bool cacheWritten_ = false;
  std::string cacheWriteProblem_;
};

// The calibrator TensorRT drives (IInt8EntropyCalibrator2 or IInt8MinMaxCalibrator), as the
// common base class so setInt8Calibrator can take it.
#pragma GCC diagnostic push
// IInt8Calibrator is deprecated from TensorRT 10.1 on: using it on 10.x is deliberate (JetPack 6
// ships 10.3, where implicit INT8 is still the way to calibrate); 11 drops it and this code.
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
std::unique_ptr<nvinfer1::IInt8Calibrator> makeCalibrator(CalibrationMethod method, CalibrationFeed& feed);
#pragma GCC diagnostic pop

#endif  // NV_TENSORRT_MAJOR < 11

}  // namespace yoloe::trt
