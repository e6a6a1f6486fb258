#include "runtime.h"

#include <NvInfer.h>

#include <condition_variable>
#include <cstring>
#include <mutex>

#include "cuda_check.h"
#include "device_memory.h"
#include "errors.h"
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
};

struct Engine::Impl {
  // Declaration order is destruction order reversed: slots (contexts) go before the engine, the
  // engine before the runtime, the runtime before its logger.
  Logger logger;
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
  std::vector<std::unique_ptr<Slot>> slots;
  std::vector<Slot*> idle;
  EngineStats stats;

  void describeTensors();
  std::unique_ptr<Slot> createSlot();
  Slot* acquire();
  void release(Slot* slot);
  void setInputShapes(Slot& slot, const std::vector<std::vector<int64_t>>& inputDims);
  void copyInputs(Slot& slot, const std::vector<HostInput>& inputs);
  void enqueue(Slot& slot, bool copyIn, bool allowGraph);
  std::vector<HostOutput> collectOutputs(Slot& slot);
};

namespace {

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

std::unique_ptr<Slot> Engine::Impl::createSlot() {
  auto slot = std::make_unique<Slot>();
  slot->context.reset(engine->createExecutionContext());
  if (!slot->context) throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not create an execution context"));
  // Size every buffer for the largest shapes the profile allows: set the inputs to their max,
  // then ask the context for the output shapes that follow.
  for (const auto& tensor : tensors) {
    if (tensor.isInput && !slot->context->setInputShape(tensor.name.c_str(), toDims(tensor.maxDims))) {
      throw BackendError(kErrBackend, logger.errorSummary("TensorRT refused the max shape of input '" + tensor.name + "'"));
    }
  }
  for (const auto& tensor : tensors) {
    Binding binding;
    binding.description = &tensor;
    binding.elementSize = dtypeSize(engine->getTensorDataType(tensor.name.c_str()));
    const std::vector<int64_t> maxDims =
        tensor.isInput ? tensor.maxDims : toVector(slot->context->getTensorShape(tensor.name.c_str()));
    for (int64_t dim : maxDims) {
      if (dim < 0) {
        throw BackendError(kErrModelFormat, "Output '" + tensor.name + "' has a data-dependent shape " + dimsText(maxDims) +
                                                ", which this runtime does not support");
      }
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
      throw BackendError(kErrBackend, logger.errorSummary("TensorRT refused the address of '" + tensor.name + "'"));
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
    if (slots.size() < options.maxContexts) {
      // Reserve the place, then create outside the lock (allocation can take milliseconds).
      slots.push_back(nullptr);
      const size_t index = slots.size() - 1;
      lock.unlock();
      std::unique_ptr<Slot> created;
      try {
        cudaCheck(cudaSetDevice(options.device), "cudaSetDevice");
        created = createSlot();
      } catch (...) {
        lock.lock();
        slots.erase(slots.begin() + static_cast<std::ptrdiff_t>(index));
        slotFreed.notify_one();
        throw;
      }
      lock.lock();
      Slot* slot = created.get();
      slots[index] = std::move(created);
      stats.contexts = static_cast<uint32_t>(slots.size());
      return slot;
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

void Engine::Impl::setInputShapes(Slot& slot, const std::vector<std::vector<int64_t>>& inputDims) {
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
        throw BackendError(kErrShape, logger.errorSummary("TensorRT refused shape " + dimsText(dims) + " for '" + tensor.name + "'"));
      }
      binding.dims = dims;
    }
  }
  for (auto& binding : slot.bindings) {
    if (!binding.description->isInput) binding.dims = toVector(slot.context->getTensorShape(binding.description->name.c_str()));
  }
}

void Engine::Impl::copyInputs(Slot& slot, const std::vector<HostInput>& inputs) {
  size_t next = 0;
  for (auto& binding : slot.bindings) {
    if (!binding.description->isInput) continue;
    const HostInput& input = inputs[next++];
    const size_t bytes = elementCount(binding.dims) * binding.elementSize;
    if (input.bytes != bytes) {
      throw BackendError(kErrShape, "Input '" + input.name + "' has " + std::to_string(input.bytes) + " bytes, shape " +
                                        dimsText(binding.dims) + " of " + binding.description->dtype + " needs " +
                                        std::to_string(bytes));
    }
    std::memcpy(binding.host.host(), input.data, bytes);
  }
}

void Engine::Impl::enqueue(Slot& slot, bool copyIn, bool allowGraph) {
  cudaStream_t stream = slot.stream.get();
  auto recordWork = [&] {
    for (auto& binding : slot.bindings) {
      if (zeroCopy || !binding.description->isInput || !copyIn) continue;
      cudaCheck(cudaMemcpyAsync(binding.deviceAddress, binding.host.host(), elementCount(binding.dims) * binding.elementSize,
                                cudaMemcpyHostToDevice, stream),
                "cudaMemcpyAsync (input)");
    }
    if (!slot.context->enqueueV3(stream)) {
      throw BackendError(kErrBackend, logger.errorSummary("TensorRT enqueueV3 failed"));
    }
    for (auto& binding : slot.bindings) {
      if (zeroCopy || binding.description->isInput) continue;
      cudaCheck(cudaMemcpyAsync(binding.host.host(), binding.deviceAddress, elementCount(binding.dims) * binding.elementSize,
                                cudaMemcpyDeviceToHost, stream),
                "cudaMemcpyAsync (output)");
    }
  };
  bool graphsDisabled = false;
  {
    std::lock_guard<std::mutex> lock(mutex);
    graphsDisabled = stats.graphsDisabled;
  }
  const bool useGraph = allowGraph && options.cudaGraphs && staticShapes && !graphsDisabled;
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
    slot.stream.synchronize("cudaStreamSynchronize (warm-up)");
    slot.warmedUp = true;
    return;
  }
  // Second run on this slot: capture the same work (same addresses, same shapes) for replay.
  slot.stream.synchronize("cudaStreamSynchronize (before capture)");
  slot.graph.beginCapture(stream);
  bool captured = false;
  try {
    recordWork();
    captured = slot.graph.endCapture(stream);
  } catch (...) {
    slot.graph.endCapture(stream);
    slot.graph.reset();
  }
  if (!captured) {
    // Some engines (e.g. with data-dependent control flow) cannot be captured.
    std::lock_guard<std::mutex> lock(mutex);
    stats.graphsDisabled = true;
  }
}

std::vector<HostOutput> Engine::Impl::collectOutputs(Slot& slot) {
  slot.stream.synchronize("cudaStreamSynchronize (inference)");
  std::vector<HostOutput> outputs;
  for (auto& binding : slot.bindings) {
    if (binding.description->isInput) continue;
    HostOutput output;
    output.name = binding.description->name;
    output.dtype = binding.description->dtype;
    output.dims = binding.dims;
    const auto* bytes = static_cast<const uint8_t*>(binding.host.host());
    output.data.assign(bytes, bytes + elementCount(binding.dims) * binding.elementSize);
    outputs.push_back(std::move(output));
  }
  std::lock_guard<std::mutex> lock(mutex);
  ++stats.runs;
  return outputs;
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() {
  // Contexts may still be running work on their streams: wait, then free in order.
  for (auto& slot : impl_->slots) {
    if (slot) cudaStreamSynchronize(slot->stream.get());
  }
}

std::shared_ptr<Engine> Engine::deserialize(const uint8_t* plan, size_t size, const EngineOptions& options) {
  if (plan == nullptr || size == 0) throw BackendError(kErrModelFormat, "The engine plan is empty");
  if (options.maxContexts == 0) throw BackendError(kErrInvalidOption, "maxContexts must be at least 1");
  const InferLibrary& library = inferLibrary();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->gpu = selectGpu(options.device);
  impl->zeroCopy = impl->gpu.integrated;
  impl->version = formatVersion(library.version);
  impl->runtime.reset(library.createRuntime(impl->logger));
  if (!impl->runtime) throw BackendError(kErrBackend, impl->logger.errorSummary("TensorRT could not create a runtime"));
  impl->engine.reset(impl->runtime->deserializeCudaEngine(plan, size));
  if (!impl->engine) {
    // TensorRT checks its own version tag and the device: a plan from another version or GPU
    // ends here (engine-file.ts catches the common cases earlier, from the metadata header).
    throw BackendError(kErrMismatch, impl->logger.errorSummary("TensorRT " + impl->version + " could not deserialize the engine on " +
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
  // Inputs in the engine's order, each exactly once.
  std::vector<HostInput> ordered;
  std::vector<std::vector<int64_t>> dims;
  for (const auto& tensor : impl_->tensors) {
    if (!tensor.isInput) continue;
    const HostInput* match = nullptr;
    for (const auto& input : inputs) {
      if (input.name == tensor.name) match = &input;
    }
    if (match == nullptr) throw BackendError(kErrShape, "Missing input '" + tensor.name + "'");
    ordered.push_back(*match);
    dims.push_back(match->dims);
  }
  if (ordered.size() != inputs.size()) throw BackendError(kErrShape, "Unknown or repeated input names");
  cudaCheck(cudaSetDevice(impl_->options.device), "cudaSetDevice");
  SlotLease lease(*impl_);
  Slot& slot = *lease;
  impl_->setInputShapes(slot, dims);
  impl_->copyInputs(slot, ordered);
  impl_->enqueue(slot, true, true);
  return impl_->collectOutputs(slot);
}

std::vector<HostOutput> Engine::inferImages(const ImageBatch& batch) {
  const TensorDescription* input = nullptr;
  size_t inputs = 0;
  for (const auto& tensor : impl_->tensors) {
    if (tensor.isInput && inputs++ == 0) input = &tensor;
  }
  if (inputs != 1 || input->maxDims.size() != 4) {
    throw BackendError(kErrShape, "GPU preprocessing needs an engine with one [N, 3, H, W] input");
  }
  if (input->dtype != "float32" && input->dtype != "float16") {
    throw BackendError(kErrShape, "GPU preprocessing fills float32 or float16 inputs, not " + input->dtype);
  }
  const std::vector<int64_t> dims = {static_cast<int64_t>(batch.images.size()), 3, batch.inputHeight, batch.inputWidth};
  cudaCheck(cudaSetDevice(impl_->options.device), "cudaSetDevice");
  SlotLease lease(*impl_);
  Slot& slot = *lease;
  impl_->setInputShapes(slot, {dims});
  Binding* binding = nullptr;
  for (auto& candidate : slot.bindings) {
    if (candidate.description == input) binding = &candidate;
  }
  letterboxOnGpu(batch, slot.images, binding->deviceAddress, input->dtype == "float16", slot.stream.get());
  // The letterbox wrote the device input directly: no host copy, and no graph (sizes vary).
  impl_->enqueue(slot, false, false);
  return impl_->collectOutputs(slot);
}

}  // namespace yoloe::trt
