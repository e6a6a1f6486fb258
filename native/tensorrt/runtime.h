// A deserialized TensorRT engine and its pool of execution slots. NvInfer-free interface (the
// binding includes it); runtime.cpp holds the TensorRT and CUDA code.
//
// One slot = one IExecutionContext + one CUDA stream + pinned host / device buffers sized for
// the profile's max shapes; a caller leases a slot for one inference, so concurrent callers run
// in parallel up to `maxContexts` and queue beyond it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "build_options.h"

namespace yoloe::trt {

struct TensorDescription {
  std::string name;
  bool isInput = false;
  std::string dtype;              // lib/types.ts TensorDtype names ("float32", "float16", ...)
  std::vector<int64_t> dims;      // -1 where dynamic
  std::vector<int64_t> minDims;   // inputs: profile 0 range (= dims when static)
  std::vector<int64_t> optDims;
  std::vector<int64_t> maxDims;
};

struct EngineOptions {
  int device = 0;
  uint32_t maxContexts = 2;
  bool cudaGraphs = true;  // capture and replay for static-shape engines
  int dlaCore = -1;        // the DLA core the engine was built for (IRuntime::setDLACore), -1 = GPU
  bool hostCodeAllowed = false;  // version-compatible plans (IRuntime::setEngineHostCodeAllowed)
  bool profile = false;  // time inferImages' phases, each ended by a stream synchronize (benchmarks)
};

struct HostInput {
  std::string name;
  std::vector<int64_t> dims;
  const void* data = nullptr;  // caller keeps it alive for the call
  size_t bytes = 0;
};

struct HostOutput {
  std::string name;
  std::string dtype;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data;
};

// One uint8 RGB HWC image and where it goes in the network input (geometry computed by
// lib/image/letterbox.ts, so CPU and GPU paths share it).
struct ImageInput {
  const uint8_t* data = nullptr;
  int width = 0, height = 0, strideBytes = 0;
  int newWidth = 0, newHeight = 0, left = 0, top = 0;
};

// Candidate compaction of a raw [B, 4 + nc + nm, N] head on the GPU (decode kernel).
struct CompactRequest {
  std::string output;
  int nc = 0, nm = 0;
  double conf = 0.25;       // strict >
  bool multiLabel = false;
  bool filtered = false;    // `classes` given
  std::vector<int> classes; // ids in [0, nc)
  int capacity = 0;         // candidate slots per image
};

// What came back for a compacted head. Candidates of image b are [sum(counts[<b]), + counts[b]),
// sorted by (index, classId).
struct CompactedHead {
  std::string output;
  int64_t anchors = 0;
  std::vector<int32_t> counts;
  std::vector<float> boxes;  // x1, y1, x2, y2, score per candidate
  std::vector<int32_t> classIds, indices;
  std::vector<float> coefficients;  // [B, nm, N] (nm > 0)
};

struct ImageBatch {
  std::vector<ImageInput> images;
  int inputWidth = 0, inputHeight = 0;
  int padValue = 114;
  std::string imageInput;         // "" = the engine's only input
  std::vector<HostInput> inputs;  // the engine's other inputs
  bool compact = false;
  CompactRequest request;
};

struct ImageRun {
  std::vector<HostOutput> outputs;  // every output but a compacted head
  bool compacted = false;           // false: the head is in `outputs` (not asked, or over capacity)
  CompactedHead head;
};

// inferImages' wall-clock time per phase (ms, summed), with EngineOptions::profile only.
struct PhaseTimes {
  uint64_t runs = 0;
  double upload = 0, letterbox = 0, enqueue = 0, compact = 0, download = 0;
};

struct EngineStats {
  uint32_t contexts = 0;       // slots created so far
  uint32_t contextFailures = 0;  // createExecutionContext / allocation failures (callers then wait)
  uint64_t runs = 0;
  uint64_t graphReplays = 0;   // runs served by a CUDA graph
  bool graphsDisabled = false; // capture failed once: plain enqueues from then on
  bool profiled = false;       // EngineOptions::profile: `phases` is measured
  PhaseTimes phases;
};

class Engine {
 public:
  // Throws BackendError: ERR_BACKEND_UNAVAILABLE (library/driver), ERR_ENGINE_MISMATCH (the plan
  // does not deserialize with this library/GPU), ERR_BACKEND.
  static std::shared_ptr<Engine> deserialize(const uint8_t* plan, size_t size, const EngineOptions& options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  const std::vector<TensorDescription>& tensors() const;
  const GpuDescription& gpu() const;
  const std::string& tensorrtVersion() const;
  bool zeroCopy() const;
  static bool gpuPreprocessingCompiled();
  EngineStats stats() const;

  // Thread-safe. Every input of the engine must be given, with dims inside its profile.
  std::vector<HostOutput> infer(const std::vector<HostInput>& inputs);
  // Letterbox on the GPU straight into the image input, the other inputs from host memory,
  // infer, and optionally compact a raw head on the GPU (needs the CUDA kernels: else
  // ERR_BACKEND_UNAVAILABLE naming why).
  ImageRun inferImages(const ImageBatch& batch);

  struct Impl;  // runtime.cpp only (public so its helpers can name it)

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace yoloe::trt
