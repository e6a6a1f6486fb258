#include "runtime.h"

#include <NvInfer.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <mutex>

#include "cuda_check.h"
#include "device_memory.h"
#include "errors.h"
#include "gpu_compact.h"
#include "gpu_info.h"
#include "gpu_preprocess.h"
#include "loader.h"
#include "logger.h"
#include "tensor_types.h"

namespace yoloe::trt {

namespace {

std::string dimsText(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

// Data-dependent outputs (NonZero, prompt-free YOLOE): TensorRT asks for memory once it knows
// the size, during enqueueV3, and reports the shape; the buffer grows and is kept for later runs.
class GrowingOutput final : public nvinfer1::IOutputAllocator {
 public:
  void* reallocateOutputAsync(char const* /*name*/, void* /*current*/, uint64_t size, uint64_t /*alignment*/,
                              cudaStream_t /*stream*/) noexcept override {
    try {
      if (size == 0) size = 1;
      if (device.bytes() < size) device = DeviceBuffer(static_cast<size_t>(size));
      return device.get();
    } catch (...) {
      return nullptr;  // TensorRT reports the failure and enqueueV3 returns false
    }
  }
  void notifyShape(char const* /*name*/, nvinfer1::Dims const& shape) noexcept override {
    dims = toVector(shape);
    shapeKnown = true;
  }
  DeviceBuffer device;
  std::vector<int64_t> dims;
  bool shapeKnown = false;
};

// One IO tensor's memory in a slot. With zero-copy (integrated GPU) the pinned host buffer is
// also the device address and no copy is made.
struct Binding {
  const TensorDescription* description = nullptr;
  size_t elementSize = 0;
  size_t capacityBytes = 0;
  DeviceBuffer device;
  PinnedBuffer host;
  void* deviceAddress = nullptr;
  std::vector<int64_t> dims;  // current shape
  std::unique_ptr<GrowingOutput> allocator;  // data-dependent outputs only
  std::vector<uint8_t> hostCopy;             // their host side, sized per run
};

}  // namespace

// One concurrent caller's context, stream, buffers and (static engines) CUDA graph.
struct Slot {
  std::unique_ptr<nvinfer1::IExecutionContext> context;
  CudaStream stream;
  std::vector<Binding> bindings;
  CudaGraph graph;
  bool warmedUp = false;
  ImageStaging images;
  CompactStaging compact;
};

struct Engine::Impl {
  // Declaration order is destruction order reversed: slots (contexts) go before the engine, the
  // engine before the runtime, the runtime before the device context is released.
  std::unique_ptr<DeviceContext> device;
  EngineOptions options;
  GpuDescription gpu;
  std::string version;
  std::unique_ptr<nvinfer1::IRuntime> runtime;
  std::unique_ptr<nvinfer1::ICudaEngine> engine;
  std::vector<TensorDescription> tensors;
  bool staticShapes = true;
  bool zeroCopy = false;

  mutable std::mutex mutex;
  std::condition_variable slotFreed;
  std::vector<std::unique_ptr<Slot>> slots;  // created slots only: indices never shift under a waiter
  std::vector<Slot*> idle;
  uint32_t creating = 0;      // slots being created outside the lock
  uint32_t capacity = 0;      // maxContexts, lowered when a context cannot be created
  EngineStats stats;

  void describeTensors();
  std::unique_ptr<Slot> createSlot(LogCapture& log);
  Slot* acquire();
  void release(Slot* slot);
  void setInputShapes(Slot& slot, const std::vector<std::vector<int64_t>>& inputDims, LogCapture& log);
  void copyInput(Binding& binding, const HostInput& input);
  void copyInputs(Slot& slot, const std::vector<const HostInput*>& inputs);
  void enqueue(Slot& slot, bool copyIn, bool allowGraph, LogCapture& log);
  void enqueueOnly(Slot& slot, LogCapture& log);
  void downloadOutputs(Slot& slot, const Binding* keep);
  std::vector<HostOutput> collectOutputs(Slot& slot, const Binding* skip = nullptr);
};

namespace {

// The caller's host inputs in the engine's input order, each exactly once: element i feeds
// `engineInputs[i]`, null for `filled` (the image input inferImages fills on the GPU).
// `mismatch` is the error when names are left over or repeated.
std::vector<const HostInput*> inEngineOrder(const std::vector<const TensorDescription*>& engineInputs,
                                            const std::vector<HostInput>& given, const TensorDescription* filled,
                                            const std::string& mismatch) {
  std::vector<const HostInput*> ordered(engineInputs.size(), nullptr);
  for (size_t i = 0; i < engineInputs.size(); ++i) {
    if (engineInputs[i] == filled) continue;
    for (const auto& input : given) {
      if (input.name == engineInputs[i]->name) ordered[i] = &input;
    }
    if (ordered[i] == nullptr) throw BackendError(kErrShape, "Missing input '" + engineInputs[i]->name + "'");
  }
  if (given.size() + (filled != nullptr ? 1 : 0) != engineInputs.size()) throw BackendError(kErrShape, mismatch);
  return ordered;
}

std::vector<const TensorDescription*> inputsOf(const std::vector<TensorDescription>& tensors) {
  std::vector<const TensorDescription*> inputs;
  for (const auto& tensor : tensors) {
    if (tensor.isInput) inputs.push_back(&tensor);
  }
  return inputs;
}

// Returns the slot to the pool however the inference ends.
class SlotLease {
 public:
  explicit SlotLease(Engine::Impl& impl) : impl_(impl), slot_(impl.acquire()) {}
  ~SlotLease() { impl_.release(slot_); }
  SlotLease(const SlotLease&) = delete;
  SlotLease& operator=(const SlotLease&) = delete;
  Slot& operator*() const { return *slot_; }

 private:
  Engine::Impl& impl_;
  Slot* slot_;
};

const char* formatName(nvinfer1::TensorFormat format) {
  switch (format) {
    case nvinfer1::TensorFormat::kLINEAR:
      return "LINEAR";
    case nvinfer1::TensorFormat::kCHW2:
      return "CHW2";
    case nvinfer1::TensorFormat::kHWC8:
      return "HWC8";
    case nvinfer1::TensorFormat::kCHW4:
      return "CHW4";
    case nvinfer1::TensorFormat::kCHW16:
      return "CHW16";
    case nvinfer1::TensorFormat::kCHW32:
      return "CHW32";
    case nvinfer1::TensorFormat::kDHWC8:
      return "DHWC8";
    case nvinfer1::TensorFormat::kCDHW32:
      return "CDHW32";
    case nvinfer1::TensorFormat::kHWC:
      return "HWC";
    case nvinfer1::TensorFormat::kDLA_LINEAR:
      return "DLA_LINEAR";
    case nvinfer1::TensorFormat::kDLA_HWC4:
      return "DLA_HWC4";
    case nvinfer1::TensorFormat::kHWC16:
      return "HWC16";
    case nvinfer1::TensorFormat::kDHWC:
      return "DHWC";
  }
  return "unknown";
}

}  // namespace

void Engine::Impl::describeTensors() {
  for (int32_t i = 0; i < engine->getNbIOTensors(); ++i) {
    const char* name = engine->getIOTensorName(i);
    TensorDescription tensor;
    tensor.name = name;
    tensor.isInput = engine->getTensorIOMode(name) == nvinfer1::TensorIOMode::kINPUT;
    const nvinfer1::DataType type = engine->getTensorDataType(name);
    tensor.dtype = dtypeName(type);
    if (tensor.dtype.empty()) {
      throw BackendError(kErrModelFormat, "Engine tensor '" + tensor.name + "' has a data type this runtime cannot exchange");
    }
    // Buffers are exchanged as dense row-major arrays: a vectorized layout (CHW16, HWC8, DLA
    // formats: trtexec --inputIOFormats=fp16:chw16) is larger and differently ordered, so it
    // would be read and written past its buffers.
    const nvinfer1::TensorFormat format = engine->getTensorFormat(name);
    if (format != nvinfer1::TensorFormat::kLINEAR || engine->getTensorVectorizedDim(name) != -1 ||
        engine->getTensorComponentsPerElement(name) != 1) {
      throw BackendError(kErrModelFormat, "Engine tensor '" + tensor.name + "' uses the " + formatName(format) +
                                              " layout; this runtime exchanges LINEAR (dense row-major) tensors only: rebuild "
                                              "the engine without --inputIOFormats/--outputIOFormats vectorized formats");
    }
    tensor.dims = toVector(engine->getTensorShape(name));
    for (int64_t dim : tensor.dims) staticShapes = staticShapes && dim >= 0;
    if (tensor.isInput) {
      const bool dynamic = [&] {
        for (int64_t dim : tensor.dims) {
          if (dim < 0) return true;
        }
        return false;
      }();
      if (dynamic) {
        tensor.minDims = toVector(engine->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kMIN));
        tensor.optDims = toVector(engine->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kOPT));
        tensor.maxDims = toVector(engine->getProfileShape(name, 0, nvinfer1::OptProfileSelector::kMAX));
      } else {
        tensor.minDims = tensor.optDims = tensor.maxDims = tensor.dims;
      }
    }
    tensors.push_back(std::move(tensor));
  }
}

std::unique_ptr<Slot> Engine::Impl::createSlot(LogCapture& log) {
  auto slot = std::make_unique<Slot>();
  slot->context.reset(engine->createExecutionContext());
  if (!slot->context) throw BackendError(kErrBackend, log.errorSummary("TensorRT could not create an execution context"));
  // Size every buffer for the largest shapes the profile allows: set the inputs to their max,
  // then ask the context for the output shapes that follow.
  for (const auto& tensor : tensors) {
    if (tensor.isInput && !slot->context->setInputShape(tensor.name.c_str(), toDims(tensor.maxDims))) {
      throw BackendError(kErrBackend, log.errorSummary("TensorRT refused the max shape of input '" + tensor.name + "'"));
    }
  }
  for (const auto& tensor : tensors) {
    Binding binding;
    binding.description = &tensor;
    binding.elementSize = dtypeSize(engine->getTensorDataType(tensor.name.c_str()));
    std::vector<int64_t> maxDims =
        tensor.isInput ? tensor.maxDims : toVector(slot->context->getTensorShape(tensor.name.c_str()));
    bool dataDependent = false;
    for (int64_t dim : maxDims) dataDependent = dataDependent || dim < 0;
    if (dataDependent) {
      // The size exists only after the run: TensorRT asks the allocator for memory then.
      binding.allocator = std::make_unique<GrowingOutput>();
      if (!slot->context->setOutputAllocator(tensor.name.c_str(), binding.allocator.get())) {
        throw BackendError(kErrBackend, log.errorSummary("TensorRT refused the output allocator of '" + tensor.name + "'"));
      }
      binding.dims = maxDims;
      slot->bindings.push_back(std::move(binding));
      continue;
    }
    binding.capacityBytes = std::max<size_t>(elementCount(maxDims) * binding.elementSize, 1);
    binding.host = PinnedBuffer(binding.capacityBytes, zeroCopy);
    if (zeroCopy) {
      binding.deviceAddress = binding.host.device();
    } else {
      binding.device = DeviceBuffer(binding.capacityBytes);
      binding.deviceAddress = binding.device.get();
    }
    if (!slot->context->setTensorAddress(tensor.name.c_str(), binding.deviceAddress)) {
      throw BackendError(kErrBackend, log.errorSummary("TensorRT refused the address of '" + tensor.name + "'"));
    }
    binding.dims = maxDims;
    slot->bindings.push_back(std::move(binding));
  }
  return slot;
}

Slot* Engine::Impl::acquire() {
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    if (!idle.empty()) {
      Slot* slot = idle.back();
      idle.pop_back();
      return slot;
    }
    if (slots.size() + creating < capacity) {
      // Count the reservation, then create outside the lock (allocation can take milliseconds).
      // Nothing indexes `slots` by position, so a failed creation shifts nobody.
      ++creating;
      lock.unlock();
      std::unique_ptr<Slot> created;
      std::exception_ptr failure;
      try {
        LogCapture log;
        device->makeCurrent();
        created = createSlot(log);
      } catch (...) {
        failure = std::current_exception();
      }
      lock.lock();
      --creating;
      if (failure) {
        ++stats.contextFailures;
        // Out of device memory for another context (common on Jetson): serve the callers with
        // the contexts that exist. Only when there is none at all does the caller fail.
        if (slots.empty() && creating == 0) {
          slotFreed.notify_all();
          std::rethrow_exception(failure);
        }
        capacity = static_cast<uint32_t>(slots.size()) + creating;
        slotFreed.notify_all();
        continue;
      }
      Slot* slot = created.get();
      slots.push_back(std::move(created));
      stats.contexts = static_cast<uint32_t>(slots.size());
      return slot;
    }
    if (slots.empty() && creating == 0) {
      throw BackendError(kErrBackend, "No execution context could be created for this engine");
    }
    slotFreed.wait(lock);
  }
}

void Engine::Impl::release(Slot* slot) {
  {
    std::lock_guard<std::mutex> lock(mutex);
    idle.push_back(slot);
  }
  slotFreed.notify_one();
}

void Engine::Impl::setInputShapes(Slot& slot, const std::vector<std::vector<int64_t>>& inputDims, LogCapture& log) {
  size_t next = 0;
  for (auto& binding : slot.bindings) {
    const TensorDescription& tensor = *binding.description;
    if (!tensor.isInput) continue;
    const std::vector<int64_t>& dims = inputDims[next++];
    if (dims.size() != tensor.maxDims.size()) {
      throw BackendError(kErrShape, "Input '" + tensor.name + "' needs rank " + std::to_string(tensor.maxDims.size()) +
                                        ", got " + dimsText(dims));
    }
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < tensor.minDims[i] || dims[i] > tensor.maxDims[i]) {
        throw BackendError(kErrShape, "Input '" + tensor.name + "' shape " + dimsText(dims) + " is outside the engine's range " +
                                          dimsText(tensor.minDims) + " .. " + dimsText(tensor.maxDims));
      }
    }
    if (binding.dims != dims) {
      if (!slot.context->setInputShape(tensor.name.c_str(), toDims(dims))) {
        throw BackendError(kErrShape, log.errorSummary("TensorRT refused shape " + dimsText(dims) + " for '" + tensor.name + "'"));
      }
      binding.dims = dims;
    }
  }
  for (auto& binding : slot.bindings) {
    if (!binding.description->isInput && !binding.allocator) {
      binding.dims = toVector(slot.context->getTensorShape(binding.description->name.c_str()));
    }
  }
}

void Engine::Impl::copyInput(Binding& binding, const HostInput& input) {
  const size_t bytes = elementCount(binding.dims) * binding.elementSize;
  if (input.bytes != bytes) {
    throw BackendError(kErrShape, "Input '" + input.name + "' has " + std::to_string(input.bytes) + " bytes, shape " +
                                      dimsText(binding.dims) + " of " + binding.description->dtype + " needs " +
                                      std::to_string(bytes));
  }
  std::memcpy(binding.host.host(), input.data, bytes);
}

void Engine::Impl::copyInputs(Slot& slot, const std::vector<const HostInput*>& inputs) {
  size_t next = 0;
  for (auto& binding : slot.bindings) {
    if (!binding.description->isInput) continue;
    copyInput(binding, *inputs[next++]);
  }
}

void Engine::Impl::enqueue(Slot& slot, bool copyIn, bool allowGraph, LogCapture& log) {
  cuda::CUstream stream = slot.stream.get();
  bool hasDataDependent = false;
  for (auto& binding : slot.bindings) hasDataDependent = hasDataDependent || binding.allocator;
  auto recordWork = [&] {
    for (auto& binding : slot.bindings) {
      if (zeroCopy || !binding.description->isInput || !copyIn) continue;
      copyToDevice(binding.deviceAddress, binding.host.host(), elementCount(binding.dims) * binding.elementSize, stream,
                   "cuMemcpyHtoDAsync (input)");
    }
    enqueueOnly(slot, log);
    downloadOutputs(slot, nullptr);
  };
  bool graphsDisabled = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    graphsDisabled = stats.graphsDisabled;
  }
  // Data-dependent sizes change per run: such work cannot be replayed from a graph.
  const bool useGraph = allowGraph && options.cudaGraphs && staticShapes && !hasDataDependent && !graphsDisabled;
  if (useGraph && slot.graph.ready()) {
    slot.graph.launch(stream);
    std::lock_guard<std::mutex> lock(mutex);
    ++stats.graphReplays;
    return;
  }
  recordWork();
  if (!useGraph) return;
  if (!slot.warmedUp) {
    // TensorRT does lazy initialisation on the first enqueue, which must not be captured.
    slot.stream.synchronize("cuStreamSynchronize (warm-up)");
    slot.warmedUp = true;
    return;
  }
  // Second run on this slot: capture the same work (same addresses, same shapes) for replay.
  slot.stream.synchronize("cuStreamSynchronize (before capture)");
  bool captured = false;
  if (slot.graph.beginCapture(stream)) {
    try {
      recordWork();
      captured = slot.graph.endCapture(stream);
    } catch (...) {
      slot.graph.endCapture(stream);
      slot.graph.reset();
    }
  } else {
    recordWork();  // this run still has to happen: uncaptured
  }
  if (!captured) {
    // Some engines (e.g. with data-dependent control flow) cannot be captured.
    std::lock_guard<std::mutex> lock(mutex);
    stats.graphsDisabled = true;
  }
}

void Engine::Impl::enqueueOnly(Slot& slot, LogCapture& log) {
  for (auto& binding : slot.bindings) {
    if (binding.allocator) binding.allocator->shapeKnown = false;
  }
  if (!slot.context->enqueueV3(slot.stream.get())) {
    throw BackendError(kErrBackend, log.errorSummary("TensorRT enqueueV3 failed"));
  }
  for (auto& binding : slot.bindings) {
    if (!binding.allocator) continue;
    // TensorRT reported the shape before enqueueV3 returned (IOutputAllocator::notifyShape).
    if (!binding.allocator->shapeKnown) {
      throw BackendError(kErrBackend, "TensorRT did not report the shape of data-dependent output '" +
                                          binding.description->name + "'");
    }
    binding.dims = binding.allocator->dims;
    binding.hostCopy.resize(elementCount(binding.dims) * binding.elementSize);
  }
}

// Queues the copies of every output but `keep` (left on the device for the GPU compaction).
void Engine::Impl::downloadOutputs(Slot& slot, const Binding* keep) {
  cuda::CUstream stream = slot.stream.get();
  for (auto& binding : slot.bindings) {
    if (binding.description->isInput || &binding == keep) continue;
    if (binding.allocator) {
      if (!binding.hostCopy.empty()) {
        copyToHost(binding.hostCopy.data(), binding.allocator->device.get(), binding.hostCopy.size(), stream,
                   "cuMemcpyDtoHAsync (data-dependent output)");
      }
      continue;
    }
    if (zeroCopy) continue;
    copyToHost(binding.host.host(), binding.deviceAddress, elementCount(binding.dims) * binding.elementSize, stream,
               "cuMemcpyDtoHAsync (output)");
  }
}

std::vector<HostOutput> Engine::Impl::collectOutputs(Slot& slot, const Binding* skip) {
  slot.stream.synchronize("cuStreamSynchronize (inference)");
  std::vector<HostOutput> outputs;
  for (auto& binding : slot.bindings) {
    if (binding.description->isInput || &binding == skip) continue;
    HostOutput output;
    output.name = binding.description->name;
    output.dtype = binding.description->dtype;
    output.dims = binding.dims;
    if (binding.allocator) {
      output.data = binding.hostCopy;
    } else {
      const auto* bytes = static_cast<const uint8_t*>(binding.host.host());
      output.data.assign(bytes, bytes + elementCount(binding.dims) * binding.elementSize);
    }
    outputs.push_back(std::move(output));
  }
  std::lock_guard<std::mutex> lock(mutex);
  ++stats.runs;
  return outputs;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  // Free on the engine's own device (another device may be current on this thread), after the
  // work still queued on the slots' streams; contexts go before the engine, the engine before
  // the runtime.
  try {
    impl_->device->makeCurrent();
  } catch (...) {
    // the driver is gone (process exit): nothing can be freed safely anyway
  }
  for (auto& slot : impl_->slots) {
    if (slot) cuda::driverApi().cuStreamSynchronize(slot->stream.get());
  }
  impl_->idle.clear();
  impl_->slots.clear();
  impl_->engine.reset();
  impl_->runtime.reset();
}

std::shared_ptr<Engine> Engine::deserialize(const uint8_t* plan, size_t size, const EngineOptions& options) {
  if (plan == nullptr || size == 0) throw BackendError(kErrModelFormat, "The engine plan is empty");
  if (options.maxContexts == 0) throw BackendError(kErrInvalidOption, "maxContexts must be at least 1");
  const InferLibrary& library = inferLibrary();
  LogCapture log;
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->stats.profiled = options.profile;
  impl->capacity = options.maxContexts;
  impl->gpu = describeGpu(options.device);
  impl->device = std::make_unique<DeviceContext>(options.device);
  impl->zeroCopy = impl->gpu.integrated;
  impl->version = formatVersion(library.version);
  impl->runtime.reset(library.createRuntime());
  if (!impl->runtime) throw BackendError(kErrBackend, log.errorSummary("TensorRT could not create a runtime"));
  if (options.hostCodeAllowed) impl->runtime->setEngineHostCodeAllowed(true);
  if (options.dlaCore >= 0) {
    // An engine built for a DLA core runs on the core the runtime names (trtexec --useDLACore).
    const int32_t cores = impl->runtime->getNbDLACores();
    if (options.dlaCore >= cores) {
      throw BackendError(kErrMismatch, "The engine was built for DLA core " + std::to_string(options.dlaCore) + " but " +
                                           impl->gpu.name + " has " + std::to_string(cores) + " DLA core(s)");
    }
    impl->runtime->setDLACore(options.dlaCore);
  }
  impl->engine.reset(impl->runtime->deserializeCudaEngine(plan, size));
  if (!impl->engine) {
    // TensorRT checks its own version tag and the device: a plan from another version or GPU
    // ends here (engine-file.ts catches the common cases earlier, from the metadata header).
    throw BackendError(kErrMismatch, log.errorSummary("TensorRT " + impl->version + " could not deserialize the engine on " +
                                                      impl->gpu.name + " (built by another TensorRT version or for another GPU?)"));
  }
  impl->describeTensors();
  return std::shared_ptr<Engine>(new Engine(std::move(impl)));
}

const std::vector<TensorDescription>& Engine::tensors() const { return impl_->tensors; }
const GpuDescription& Engine::gpu() const { return impl_->gpu; }
const std::string& Engine::tensorrtVersion() const { return impl_->version; }
bool Engine::zeroCopy() const { return impl_->zeroCopy; }
bool Engine::gpuPreprocessingCompiled() { return gpuLetterboxCompiled(); }

EngineStats Engine::stats() const {
  std::lock_guard<std::mutex> lock(impl_->mutex);
  return impl_->stats;
}

std::vector<HostOutput> Engine::infer(const std::vector<HostInput>& inputs) {
  const std::vector<const HostInput*> ordered =
      inEngineOrder(inputsOf(impl_->tensors), inputs, nullptr, "Unknown or repeated input names");
  std::vector<std::vector<int64_t>> dims;
  for (const HostInput* input : ordered) dims.push_back(input->dims);
  LogCapture log;
  impl_->device->makeCurrent();
  SlotLease lease(*impl_);
  Slot& slot = *lease;
  impl_->setInputShapes(slot, dims, log);
  impl_->copyInputs(slot, ordered);
  impl_->enqueue(slot, true, true, log);
  return impl_->collectOutputs(slot);
}

namespace {

// Wall-clock phases of one inferImages run (EngineOptions::profile): each ends with a stream
// synchronize so the GPU work of a phase is inside it.
class PhaseClock {
 public:
  PhaseClock(bool enabled, const CudaStream& stream) : enabled_(enabled), stream_(stream), start_(now()) {}
  void end(double PhaseTimes::*phase) {
    if (!enabled_) return;
    stream_.synchronize("cuStreamSynchronize (profile)");
    const auto t = now();
    times.*phase += std::chrono::duration<double, std::milli>(t - start_).count();
    start_ = t;
  }
  PhaseTimes times;

 private:
  static std::chrono::steady_clock::time_point now() { return std::chrono::steady_clock::now(); }
  bool enabled_;
  const CudaStream& stream_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

ImageRun Engine::inferImages(const ImageBatch& batch) {
  // The image input: named, or the engine's only input.
  const TensorDescription* input = nullptr;
  const std::vector<const TensorDescription*> engineInputs = inputsOf(impl_->tensors);
  if (!batch.imageInput.empty()) {
    for (const auto* tensor : engineInputs) {
      if (tensor->name == batch.imageInput) input = tensor;
    }
    if (input == nullptr) throw BackendError(kErrShape, "The engine has no input named '" + batch.imageInput + "' (imageInput)");
  } else if (engineInputs.size() == 1) {
    input = engineInputs[0];
  } else {
    throw BackendError(kErrShape, "The engine has " + std::to_string(engineInputs.size()) +
                                      " inputs: name the one the images go to (imageInput)");
  }
  if (input->maxDims.size() != 4 || (input->dims[1] >= 0 && input->dims[1] != 3)) {
    throw BackendError(kErrShape, "GPU preprocessing needs an [N, 3, H, W] image input; '" + input->name + "' is " +
                                      dimsText(input->dims));
  }
  if (input->dtype != "float32" && input->dtype != "float16") {
    throw BackendError(kErrShape, "GPU preprocessing fills float32 or float16 inputs, not " + input->dtype);
  }
  // Every other input from host memory, each exactly once; dims in the engine's input order.
  const std::vector<const HostInput*> others =
      inEngineOrder(engineInputs, batch.inputs, input,
                    "Unknown, repeated or image input names among the inputs (the engine's other inputs are " +
                        std::to_string(engineInputs.size() - 1) + ")");
  std::vector<std::vector<int64_t>> dims;
  for (size_t i = 0; i < engineInputs.size(); ++i) {
    if (engineInputs[i] == input) {
      dims.push_back({static_cast<int64_t>(batch.images.size()), 3, batch.inputHeight, batch.inputWidth});
    } else {
      dims.push_back(others[i]->dims);
    }
  }
  const TensorDescription* head = nullptr;
  if (batch.compact) {
    for (const auto& tensor : impl_->tensors) {
      if (!tensor.isInput && tensor.name == batch.request.output) head = &tensor;
    }
    if (head == nullptr) throw BackendError(kErrShape, "The engine has no output named '" + batch.request.output + "' (compact.output)");
    checkCompactHead(batch.request, head->dims, head->dtype);
  }

  LogCapture log;
  impl_->device->makeCurrent();
  SlotLease lease(*impl_);
  Slot& slot = *lease;
  const cuda::CUstream stream = slot.stream.get();
  PhaseClock clock(impl_->options.profile, slot.stream);
  impl_->setInputShapes(slot, dims, log);
  Binding* image = nullptr;
  Binding* headBinding = nullptr;
  size_t next = 0;
  for (auto& binding : slot.bindings) {
    if (binding.description == head) headBinding = &binding;
    if (!binding.description->isInput) continue;
    const size_t index = next++;
    if (binding.description == input) {
      image = &binding;
      continue;
    }
    impl_->copyInput(binding, *others[index]);
    if (!impl_->zeroCopy) {
      copyToDevice(binding.deviceAddress, binding.host.host(), elementCount(binding.dims) * binding.elementSize, stream,
                   "cuMemcpyHtoDAsync (input)");
    }
  }
  letterboxOnGpu(batch, slot.images, image->deviceAddress, input->dtype == "float16", stream,
                 [&] { clock.end(&PhaseTimes::upload); });
  clock.end(&PhaseTimes::letterbox);
  // The letterbox wrote the device input directly: no host copy, and no graph (sizes vary).
  impl_->enqueueOnly(slot, log);
  clock.end(&PhaseTimes::enqueue);

  ImageRun run;
  const Binding* keep = nullptr;
  if (headBinding != nullptr) {
    checkCompactHead(batch.request, headBinding->dims, head->dtype);  // the run's N, for data-dependent heads
    DeviceHead onDevice;
    onDevice.device = headBinding->allocator ? headBinding->allocator->device.get() : headBinding->deviceAddress;
    onDevice.fp16 = head->dtype == "float16";
    onDevice.batch = headBinding->dims[0];
    onDevice.channels = headBinding->dims[1];
    onDevice.anchors = headBinding->dims[2];
    const std::vector<int32_t> counts = countCandidates(batch.request, onDevice, slot.compact, stream);
    clock.end(&PhaseTimes::compact);
    bool fits = true;
    for (int32_t count : counts) fits = fits && count <= batch.request.capacity;
    // Over capacity: the whole head comes back below (it is still in this slot), so results stay exact.
    if (fits) {
      keep = headBinding;
      downloadCandidates(batch.request, counts, slot.compact, stream);
      void* hostHead = headBinding->allocator ? static_cast<void*>(headBinding->hostCopy.data()) : headBinding->host.host();
      const bool mapped = impl_->zeroCopy && !headBinding->allocator;
      if (!mapped) downloadCoefficientRows(batch.request, onDevice, hostHead, stream);
      impl_->downloadOutputs(slot, keep);
      run.outputs = impl_->collectOutputs(slot, keep);
      run.compacted = true;
      run.head.output = head->name;
      run.head.anchors = onDevice.anchors;
      collectCandidates(batch.request, counts, slot.compact, run.head);
      if (batch.request.nm > 0) run.head.coefficients = coefficientRows(batch.request, onDevice, hostHead);
    }
  }
  if (keep == nullptr) {
    impl_->downloadOutputs(slot, nullptr);
    run.outputs = impl_->collectOutputs(slot);
  }
  clock.end(&PhaseTimes::download);
  if (impl_->options.profile) {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    PhaseTimes& total = impl_->stats.phases;
    ++total.runs;
    total.upload += clock.times.upload;
    total.letterbox += clock.times.letterbox;
    total.enqueue += clock.times.enqueue;
    total.compact += clock.times.compact;
    total.download += clock.times.download;
  }
  return run;
}

}  // namespace yoloe::trt
