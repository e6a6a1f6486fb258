// What one engine build needs, as plain data (no NvInfer.h): the binding fills it from the
// options object lib/build-engine.ts validated, builder.cpp turns it into TensorRT calls.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "calibration_cache.h"

namespace yoloe::trt {

enum class Precision { FP32, FP16, INT8, Best };

// Optimization-profile range for one network input.
struct InputShapeRange {
  std::string input;
  std::vector<int64_t> min, opt, max;
};

struct CalibrationOptions {
  bool enabled = false;
  CalibrationMethod method = CalibrationMethod::Entropy;
  std::string dataPath;   // YOLOECAL tensor file; empty = cache only
  std::string cachePath;  // read when valid, written after calibration; empty = no cache
  // A cache written by another TensorRT version: false = rewrite its header to the running
  // version (scales carry over), true = refuse with ERR_CALIBRATION.
  bool rejectVersionMismatch = false;
  // Inputs other than the image, fed the same tensor with every batch (a run-time vocabulary's
  // class embeddings): a raw float32 file of exactly the input's calibration (opt) shape.
  struct FixedInput {
    std::string input;
    std::string path;
  };
  std::vector<FixedInput> fixedInputs;
};

// Layers kept FP16 under implicit INT8 (precision_pins.h); an empty embeddingsInput = none.
struct Fp16Pins {
  std::string embeddingsInput;  // the class-embeddings input: everything downstream of it
  std::string protoOutput;      // the protos output (segmentation): its own branch; empty = none
  std::string detectionOutput;  // output0: layers that reach it are not the proto branch
};

// What pinFp16Layers did, for the engine metadata.
struct Fp16PinReport {
  bool requested = false;
  int embeddingLayers = 0;  // pinned by rule (a), downstream of the embeddings
  int protoLayers = 0;      // pinned by rule (b), the proto branch (and not already by (a))
  int skipped = 0;          // reached but left to TensorRT: shape, int or bool layers
  std::string note;         // why nothing was pinned (strongly typed, TensorRT 11, no INT8), or empty
};

struct BuildOptions {
  std::string onnxPath;
  Precision precision = Precision::FP16;
  // Types come from the ONNX (Q/DQ or FP16 graph): kSTRONGLY_TYPED on 10, always on 11.
  bool stronglyTyped = false;
  std::vector<InputShapeRange> shapes;
  uint64_t workspaceBytes = 0;  // 0 = TensorRT's default (device memory)
  std::string timingCachePath;  // empty = no persistent timing cache
  int optimizationLevel = -1;   // -1 = TensorRT's default (3)
  int dlaCore = -1;             // -1 = GPU only
  bool gpuFallback = true;      // layers DLA cannot run go to the GPU
  int device = 0;               // CUDA device ordinal
  bool versionCompatible = false;  // kVERSION_COMPATIBLE: later TensorRT releases of the major load the plan
  // "none" | "ampere+" (HardwareCompatibilityLevel::kAMPERE_PLUS: the plan runs on any Ampere or newer GPU)
  std::string hardwareCompatibility = "none";
  CalibrationOptions calibration;
  Fp16Pins fp16Pins;
};

// Progress of the builder's phases, called from the build thread.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void phaseStart(const std::string& phase, const std::string& parent, int32_t steps) = 0;
  virtual void stepComplete(const std::string& phase, int32_t step) = 0;
  virtual void phaseFinish(const std::string& phase) = 0;
  // Cancellation may be asked from another thread (JavaScript's); the builder stops at its next
  // step. The flag is shared so callbacks still queued after the build can reach it safely.
  bool cancelled() const {
    return cancel_->load() || (external_ != nullptr && __atomic_load_n(external_, __ATOMIC_ACQUIRE) != 0);
  }
  void requestCancel() { cancel_->store(true); }
  std::shared_ptr<std::atomic<bool>> cancelFlag() const { return cancel_; }
  // A flag another thread sets (JavaScript's AbortSignal listener, through a SharedArrayBuffer):
  // non-zero = cancel. The owner keeps it alive for the build.
  void watch(const int32_t* flag) { external_ = flag; }

 private:
  std::shared_ptr<std::atomic<bool>> cancel_ = std::make_shared<std::atomic<bool>>(false);
  const int32_t* external_ = nullptr;
};

struct GpuDescription {
  std::string name;
  int computeMajor = 0;
  int computeMinor = 0;
  bool integrated = false;
  uint64_t totalMemory = 0;
};

struct BuildResult {
  std::vector<uint8_t> plan;
  std::string tensorrtVersion;  // of the library that built it, "10.3.0"
  int tensorrtBuild = -1;       // its build number (getInferLibBuildVersion), -1 when unknown
  int32_t tensorrtVersionCode = 0;
  GpuDescription gpu;
  std::vector<std::string> warnings;
  std::string calibrationCache;  // "none" | "used" | "rewritten" | "written" | "recalibrated"
  bool timingCacheSaved = false;
  Fp16PinReport fp16Pins;
};

}  // namespace yoloe::trt
