// The TensorRT contract double: a fake libnvinfer built from the real headers' implementation
// interfaces (NvInferImpl.h, through the generated stubs). It runs "plans" of its own text format
// on the host (see plan_format below) and enforces the rules of NVIDIA's developer guide that
// yoloe-trt relies on, logging each breach as a VIOLATION line (fake_log.h):
//   - one ILogger per process: TensorRT keeps the first and ignores later ones;
//   - the IRuntime outlives its engines, an engine outlives its execution contexts;
//   - before enqueueV3, every I/O tensor has an address (device memory large enough for its
//     shape) or, for a data-dependent output, an IOutputAllocator, and every dynamic input has a
//     shape, inside the optimization profile;
//   - getBatch hands device buffers of the calibration shape's size;
//   - factories may return null (YOLOE_FAKE_FAIL=runtime,builder,network,config,parser,
//     deserialize,context@N,enqueue), as the real ones do when out of memory.
//
// plan_format: "YOLOE-FAKE-PLAN" then one line per tensor
//   tensor <name> <input|output> <dtype> <d0,d1,..> [min=..] [opt=..] [max=..] [format=CHW16]
// where an output dim -1 follows the first input's dim 0 (the batch) and -2 is data-dependent;
// then optional "dla <core>", "flags <fp16|int8|strong|version-compatible|ampere+|prefer-precision|obey-precision>...",
// "data <output> <file>" (enqueueV3 writes the file's raw bytes into that output instead of the
// pattern below: its size must be the output's; a data-dependent output takes N from it) and
// "dump <input> <file>" (enqueueV3 writes what that input holds to the file, for tests to read).
// A .fakenet (the parser's input) may add the network's layers, for the builder's graph walks:
//   layer <name> <type> <in,in|-> <out[:dtype[:shape]],...>
// <type> a LayerType without its k (CONVOLUTION, SHAPE, EINSUM, ...); a tensor not declared by a
// tensor line is float32 unless given; ":shape" makes it a shape tensor (isShapeTensor).
// buildSerializedNetwork logs "pinned <layer> <precision> outputs=<type|->,..." for each layer
// given a precision, and checks the developer guide's rules for setPrecision / setOutputType.
// enqueueV3 computes out[k] = in[k % n] * 2 + 1 (float32), and a data-dependent output
// [1, C, N] with N = the number of input values > 0.5 (at most 64), values c * 100 + j.
#include <dlfcn.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "fake_log.h"
#include "tensorrt_stubs.h"

using namespace nvinfer1;
using yoloe_fake::call;
using yoloe_fake::failing;
using yoloe_fake::violation;

namespace {

std::mutex gMutex;
ILogger* gLogger = nullptr;

void log(ILogger::Severity severity, const std::string& text) {
  if (gLogger != nullptr) gLogger->log(severity, text.c_str());
}
void error(const std::string& text) {
  call("error " + text);
  log(ILogger::Severity::kERROR, "fake TensorRT: " + text);
}

// TensorRT: "the logger is a singleton within the library; if using multiple builder or runtime
// objects, use the same logger". The first one is kept; it is used again at every factory call,
// as the library may log at any time.
void registerLogger(void* logger, const char* factory) {
  std::lock_guard<std::mutex> lock(gMutex);
  auto* given = static_cast<ILogger*>(logger);
  if (gLogger == nullptr) gLogger = given;
  if (given != gLogger) violation(std::string(factory) + " was given a second ILogger (TensorRT keeps one per process)");
  gLogger->log(ILogger::Severity::kINFO, factory);
}

size_t (*deviceBytes)(const void*) = [] {
  void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
  return cuda != nullptr ? reinterpret_cast<size_t (*)(const void*)>(dlsym(cuda, "yoloe_fake_device_bytes")) : nullptr;
}();
size_t bytesAt(const void* p) {
  if (deviceBytes == nullptr) {
    void* cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_NOLOAD);
    if (cuda != nullptr) deviceBytes = reinterpret_cast<size_t (*)(const void*)>(dlsym(cuda, "yoloe_fake_device_bytes"));
  }
  return deviceBytes != nullptr ? deviceBytes(p) : SIZE_MAX;
}

std::vector<int64_t> parseDims(const std::string& text) {
  std::vector<int64_t> dims;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) dims.push_back(std::stoll(item));
  return dims;
}
std::string dimsText(const std::vector<int64_t>& dims) {
  std::string text;
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? "," : "") + std::to_string(dims[i]);
  return text;
}
Dims toDims(const std::vector<int64_t>& v) {
  Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (size_t i = 0; i < v.size(); ++i) d.d[i] = v[i];
  return d;
}
std::vector<int64_t> fromDims(const Dims& d) { return std::vector<int64_t>(d.d, d.d + d.nbDims); }
int64_t volume(const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

struct TensorSpec {
  std::string name;
  bool input = false;
  std::string dtype = "float32";
  std::vector<int64_t> dims, min, opt, max;
  std::string format = "LINEAR";
  bool dataDependent() const {
    for (int64_t d : dims) {
      if (d == -2) return true;
    }
    return false;
  }
  bool dynamic() const {
    for (int64_t d : dims) {
      if (d < 0) return true;
    }
    return false;
  }
};

DataType dataType(const std::string& name) {
  if (name == "float16") return DataType::kHALF;
  if (name == "int32") return DataType::kINT32;
  if (name == "int64") return DataType::kINT64;
  if (name == "uint8") return DataType::kUINT8;
  return DataType::kFLOAT;
}
size_t dtypeSize(const std::string& name) { return name == "float16" ? 2 : name == "int64" ? 8 : name == "uint8" ? 1 : 4; }

struct Plan {
  std::vector<TensorSpec> tensors;
  int dla = -1;
  std::string flags;
  std::map<std::string, std::string> data, dumps;  // tensor name -> file
};

bool parsePlan(const std::string& text, Plan& plan) {
  std::stringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != "YOLOE-FAKE-PLAN") return false;
  while (std::getline(in, line)) {
    std::stringstream words(line);
    std::string kind;
    words >> kind;
    if (kind == "tensor") {
      TensorSpec t;
      std::string io, dims, extra;
      words >> t.name >> io >> t.dtype >> dims;
      t.input = io == "input";
      t.dims = parseDims(dims);
      while (words >> extra) {
        const size_t eq = extra.find('=');
        const std::string key = extra.substr(0, eq), value = extra.substr(eq + 1);
        if (key == "min") t.min = parseDims(value);
        if (key == "opt") t.opt = parseDims(value);
        if (key == "max") t.max = parseDims(value);
        if (key == "format") t.format = value;
      }
      if (t.min.empty()) t.min = t.opt = t.max = t.dims;
      plan.tensors.push_back(t);
    } else if (kind == "dla") {
      words >> plan.dla;
    } else if (kind == "data" || kind == "dump") {
      std::string name, file;
      words >> name >> file;
      (kind == "data" ? plan.data : plan.dumps)[name] = file;
    } else if (kind == "flags") {
      std::getline(words, plan.flags);
    }
  }
  return true;
}

std::string writePlan(const Plan& plan) {
  std::string text = "YOLOE-FAKE-PLAN\n";
  for (const auto& t : plan.tensors) {
    text += "tensor " + t.name + " " + (t.input ? "input " : "output ") + t.dtype + " " + dimsText(t.dims);
    if (t.input && t.dynamic()) text += " min=" + dimsText(t.min) + " opt=" + dimsText(t.opt) + " max=" + dimsText(t.max);
    if (t.format != "LINEAR") text += " format=" + t.format;
    text += "\n";
  }
  if (plan.dla >= 0) text += "dla " + std::to_string(plan.dla) + "\n";
  // a .fakenet's data / dump directives stay with the engine built from it
  for (const auto& [name, file] : plan.data) text += "data " + name + " " + file + "\n";
  for (const auto& [name, file] : plan.dumps) text += "dump " + name + " " + file + "\n";
  text += "flags" + plan.flags + "\n";
  return text;
}


class FakeHostMemory final : public IHostMemory, public apiv::StubVHostMemory {
 public:
  explicit FakeHostMemory(std::string bytes) : bytes_(std::move(bytes)) { IHostMemory::mImpl = this; }
  void* data() const noexcept override { return const_cast<char*>(bytes_.data()); }
  std::size_t size() const noexcept override { return bytes_.size(); }
  DataType type() const noexcept override { return DataType::kUINT8; }

 private:
  std::string bytes_;
};

class FakeEngine;
class FakeRuntime;

class FakeContext final : public IExecutionContext, public apiv::StubVExecutionContext {
 public:
  explicit FakeContext(FakeEngine& engine);
  ~FakeContext() override;
  bool setInputShape(char const* name, Dims const& dims) noexcept override;
  Dims getTensorShape(char const* name) const noexcept override;
  bool setTensorAddress(char const* name, void* data) noexcept override;
  bool setOutputAllocator(char const* name, IOutputAllocator* allocator) noexcept override;
  bool enqueueV3(cudaStream_t stream) noexcept override;

 private:
  const TensorSpec* find(const char* name) const;
  std::vector<int64_t> shapeOf(const TensorSpec& t) const;
  FakeEngine& engine_;
  std::map<std::string, std::vector<int64_t>> shapes_;
  std::map<std::string, void*> addresses_;
  std::map<std::string, IOutputAllocator*> allocators_;
};

class FakeRuntime;

class FakeEngine final : public ICudaEngine, public apiv::StubVCudaEngine {
 public:
  FakeEngine(Plan plan, std::atomic<int>& runtimeEngines) : plan(std::move(plan)), runtimeEngines_(runtimeEngines) {
    ICudaEngine::mImpl = this;
    ++runtimeEngines_;
  }
  ~FakeEngine() override {
    if (contexts.load() > 0) violation("ICudaEngine destroyed while " + std::to_string(contexts.load()) + " execution context(s) live");
    call("~ICudaEngine");
    --runtimeEngines_;
  }
  IExecutionContext* createExecutionContext(ExecutionContextAllocationStrategy) noexcept override {
    call("createExecutionContext");
    if (failing("context")) {
      error("out of device memory for an execution context");
      return nullptr;
    }
    return new FakeContext(*this);
  }
  int32_t getNbOptimizationProfiles() const noexcept override { return 1; }
  int32_t getNbIOTensors() const noexcept override { return static_cast<int32_t>(plan.tensors.size()); }
  char const* getIOTensorName(int32_t index) const noexcept override { return plan.tensors.at(static_cast<size_t>(index)).name.c_str(); }
  const TensorSpec* find(char const* name) const {
    for (const auto& t : plan.tensors) {
      if (name != nullptr && t.name == name) return &t;
    }
    return nullptr;
  }
  TensorIOMode getTensorIOMode(char const* name) const noexcept override {
    const TensorSpec* t = find(name);
    return t == nullptr ? TensorIOMode::kNONE : t->input ? TensorIOMode::kINPUT : TensorIOMode::kOUTPUT;
  }
  DataType getTensorDataType(char const* name) const noexcept override { return dataType(find(name)->dtype); }
  Dims getTensorShape(char const* name) const noexcept override {
    std::vector<int64_t> dims = find(name)->dims;
    for (auto& d : dims) d = d < 0 ? -1 : d;
    return toDims(dims);
  }
  Dims getProfileShape(char const* name, int32_t profile, OptProfileSelector select) const noexcept override {
    const TensorSpec* t = find(name);
    if (profile != 0 || t == nullptr || !t->input) return Dims{-1, {}};
    return toDims(select == OptProfileSelector::kMIN ? t->min : select == OptProfileSelector::kOPT ? t->opt : t->max);
  }
  TensorFormat getTensorFormat(char const* name) const noexcept override {
    return find(name)->format == "CHW16" ? TensorFormat::kCHW16 : TensorFormat::kLINEAR;
  }
  int32_t getTensorVectorizedDim(char const* name) const noexcept override { return find(name)->format == "CHW16" ? 1 : -1; }
  int32_t getTensorComponentsPerElement(char const* name) const noexcept override {
    return find(name)->format == "CHW16" ? 16 : 1;
  }
  Plan plan;
  std::atomic<int> contexts{0};

 private:
  std::atomic<int>& runtimeEngines_;
};

class FakeRuntime final : public IRuntime, public apiv::StubVRuntime {
 public:
  FakeRuntime() { IRuntime::mImpl = this; }
  ~FakeRuntime() override {
    // "The runtime must outlive the engines it deserialized" (IRuntime documentation).
    if (engines_.load() > 0) violation("IRuntime destroyed while " + std::to_string(engines_.load()) + " engine(s) it deserialized live");
    call("~IRuntime");
  }
  ICudaEngine* deserializeCudaEngine(void const* blob, std::size_t size) noexcept override {
    call("deserializeCudaEngine dla=" + std::to_string(dla_));
    Plan plan;
    if (failing("deserialize") || !parsePlan(std::string(static_cast<const char*>(blob), size), plan)) {
      error("the plan is not a serialized engine of this version");
      return nullptr;
    }
    if (plan.dla >= 0 && plan.dla != dla_) {
      error("the engine was built for DLA core " + std::to_string(plan.dla) + " but the runtime uses core " + std::to_string(dla_));
      return nullptr;
    }
    return new FakeEngine(std::move(plan), engines_);
  }
  void setDLACore(int32_t core) noexcept override {
    call("setDLACore " + std::to_string(core));
    dla_ = core;
  }
  int32_t getNbDLACores() const noexcept override { return std::stoi(yoloe_fake::setting("DLA", "0")); }
  void setEngineHostCodeAllowed(bool allowed) noexcept override { call(std::string("setEngineHostCodeAllowed ") + (allowed ? "1" : "0")); }

 private:
  int dla_ = -1;
  std::atomic<int> engines_{0};
};

FakeContext::FakeContext(FakeEngine& engine) : engine_(engine) {
  IExecutionContext::mImpl = this;
  ++engine_.contexts;
}
FakeContext::~FakeContext() { --engine_.contexts; }

const TensorSpec* FakeContext::find(const char* name) const { return engine_.find(name); }

bool FakeContext::setInputShape(char const* name, Dims const& dims) noexcept {
  const TensorSpec* t = find(name);
  if (t == nullptr || !t->input) {
    error(std::string("setInputShape: no input named ") + (name ? name : "(null)"));
    return false;
  }
  const std::vector<int64_t> v = fromDims(dims);
  if (v.size() != t->dims.size()) {
    error("setInputShape: rank of " + dimsText(v) + " differs from the engine's");
    return false;
  }
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] < t->min[i] || v[i] > t->max[i]) {
      error("setInputShape: " + dimsText(v) + " is outside the optimization profile [" + dimsText(t->min) + "] .. [" + dimsText(t->max) + "]");
      return false;
    }
  }
  shapes_[t->name] = v;
  return true;
}

std::vector<int64_t> FakeContext::shapeOf(const TensorSpec& t) const {
  if (t.input) {
    auto it = shapes_.find(t.name);
    return it != shapes_.end() ? it->second : t.dims;
  }
  int64_t batch = -1;
  for (const auto& other : engine_.plan.tensors) {
    if (other.input) {
      auto it = shapes_.find(other.name);
      batch = it != shapes_.end() ? it->second[0] : other.dims[0];
      break;
    }
  }
  std::vector<int64_t> dims = t.dims;
  for (auto& d : dims) d = d == -1 ? batch : d == -2 ? -1 : d;
  return dims;
}

Dims FakeContext::getTensorShape(char const* name) const noexcept {
  const TensorSpec* t = find(name);
  return t == nullptr ? Dims{-1, {}} : toDims(shapeOf(*t));
}

bool FakeContext::setTensorAddress(char const* name, void* data) noexcept {
  const TensorSpec* t = find(name);
  if (t == nullptr) {
    error(std::string("setTensorAddress: no tensor named ") + (name ? name : "(null)"));
    return false;
  }
  addresses_[t->name] = data;
  return true;
}

bool FakeContext::setOutputAllocator(char const* name, IOutputAllocator* allocator) noexcept {
  const TensorSpec* t = find(name);
  if (t == nullptr || t->input) return false;
  allocators_[t->name] = allocator;
  return true;
}

bool FakeContext::enqueueV3(cudaStream_t stream) noexcept {
  call("enqueueV3");
  // YOLOE_FAKE_ENQUEUE_MS: time an inference takes, so concurrent callers overlap.
  std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(yoloe_fake::setting("ENQUEUE_MS", "0"))));
  if (failing("enqueue")) {
    error("enqueueV3 failed (injected)");
    return false;
  }
  // Every rule the developer guide states for enqueueV3, checked before any byte moves.
  const TensorSpec* first = nullptr;
  for (const auto& t : engine_.plan.tensors) {
    if (t.input && first == nullptr) first = &t;
    if (t.input && t.dynamic() && shapes_.count(t.name) == 0) {
      violation("enqueueV3 before setInputShape of dynamic input '" + t.name + "'");
      return false;
    }
    if (t.dataDependent()) {
      if (allocators_.count(t.name) == 0) {
        violation("enqueueV3 without an IOutputAllocator for data-dependent output '" + t.name + "'");
        return false;
      }
      continue;
    }
    auto it = addresses_.find(t.name);
    if (it == addresses_.end() || it->second == nullptr) {
      violation("enqueueV3 before setTensorAddress of '" + t.name + "'");
      return false;
    }
    const size_t needed = static_cast<size_t>(volume(shapeOf(t))) * dtypeSize(t.dtype);
    if (bytesAt(it->second) < needed) {
      violation("the address of '" + t.name + "' holds " + std::to_string(bytesAt(it->second)) + " bytes of device memory, its shape [" +
                dimsText(shapeOf(t)) + "] needs " + std::to_string(needed));
      return false;
    }
  }
  for (const auto& [name, file] : engine_.plan.dumps) {
    const TensorSpec* t = find(name.c_str());
    if (t == nullptr || !t->input) {
      error("dump: no input named " + name);
      return false;
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(addresses_[name]), volume(shapeOf(*t)) * static_cast<int64_t>(dtypeSize(t->dtype)));
    call("dump " + name);
  }
  for (const auto& [name, file] : engine_.plan.data) {
    const TensorSpec* t = find(name.c_str());
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (t == nullptr || t->input || !in.is_open()) {
      error("data: no output named " + name + " or unreadable " + file);
      return false;
    }
    std::vector<int64_t> dims = shapeOf(*t);
    void* memory = nullptr;
    if (t->dataDependent()) {
      int64_t known = static_cast<int64_t>(dtypeSize(t->dtype));
      for (int64_t d : dims) known *= d < 0 ? 1 : d;
      for (auto& d : dims) d = d < 0 ? static_cast<int64_t>(bytes.size()) / known : d;
      memory = allocators_[name]->reallocateOutputAsync(name.c_str(), nullptr, bytes.size(), 256, stream);
      if (memory == nullptr || bytesAt(memory) < bytes.size()) {
        error("the output allocator gave no memory for '" + name + "'");
        return false;
      }
    } else {
      memory = addresses_[name];
    }
    if (bytes.size() != static_cast<size_t>(volume(dims)) * dtypeSize(t->dtype)) {
      error("data: " + file + " has " + std::to_string(bytes.size()) + " bytes, output '" + name + "' [" + dimsText(dims) +
            "] of " + t->dtype + " needs " + std::to_string(volume(dims) * static_cast<int64_t>(dtypeSize(t->dtype))));
      return false;
    }
    std::memcpy(memory, bytes.data(), bytes.size());
    if (t->dataDependent()) allocators_[name]->notifyShape(name.c_str(), toDims(dims));
  }
  if (first == nullptr || first->dtype != "float32") return true;
  const auto* in = static_cast<const float*>(addresses_[first->name]);
  const int64_t n = volume(shapeOf(*first));
  for (const auto& t : engine_.plan.tensors) {
    if (t.input || engine_.plan.data.count(t.name) != 0) continue;
    if (t.dataDependent()) {
      int64_t count = 0;
      for (int64_t k = 0; k < n && count < 64; ++k) count += in[k] > 0.5f ? 1 : 0;
      std::vector<int64_t> dims = shapeOf(t);
      for (auto& d : dims) d = d < 0 ? count : d;
      const uint64_t bytes = static_cast<uint64_t>(volume(dims)) * dtypeSize(t.dtype);
      void* memory = allocators_[t.name]->reallocateOutputAsync(t.name.c_str(), nullptr, bytes, 256, stream);
      if (memory == nullptr || bytesAt(memory) < bytes) {
        error("the output allocator gave no memory for '" + t.name + "'");
        return false;
      }
      auto* out = static_cast<float*>(memory);
      const int64_t channels = volume(dims) / (count == 0 ? 1 : count);
      for (int64_t c = 0; c < channels && count > 0; ++c) {
        for (int64_t j = 0; j < count; ++j) out[c * count + j] = static_cast<float>(c * 100 + j);
      }
      allocators_[t.name]->notifyShape(t.name.c_str(), toDims(dims));
      continue;
    }
    if (t.dtype != "float32") continue;
    auto* out = static_cast<float*>(addresses_[t.name]);
    const int64_t m = volume(shapeOf(t));
    for (int64_t k = 0; k < m; ++k) out[k] = in[k % n] * 2.0f + 1.0f;
  }
  return true;
}

// ------------------------------------------------------------------ builder side

class FakeTensor final : public ITensor, public apiv::StubVTensor {
 public:
  explicit FakeTensor(TensorSpec spec) : spec(std::move(spec)) { ITensor::mImpl = this; }
  char const* getName() const noexcept override { return spec.name.c_str(); }
  Dims getDimensions() const noexcept override { return toDims(spec.dims); }
  DataType getType() const noexcept override { return dataType(spec.dtype); }
  bool isNetworkInput() const noexcept override { return networkInput; }
  bool isNetworkOutput() const noexcept override { return networkOutput; }
  bool isShapeTensor() const noexcept override { return shape; }
  TensorSpec spec;
  bool networkInput = false, networkOutput = false, shape = false;
};

const char* typeName(DataType type) {
  switch (type) {
    case DataType::kHALF: return "half";
    case DataType::kFLOAT: return "float";
    case DataType::kINT32: return "int32";
    case DataType::kINT64: return "int64";
    case DataType::kINT8: return "int8";
    default: return "other";
  }
}

LayerType layerType(const std::string& name) {
  static const std::map<std::string, LayerType> types = {
      {"CONVOLUTION", LayerType::kCONVOLUTION}, {"CAST", LayerType::kCAST}, {"ACTIVATION", LayerType::kACTIVATION},
      {"CONCATENATION", LayerType::kCONCATENATION}, {"ELEMENTWISE", LayerType::kELEMENTWISE}, {"SHUFFLE", LayerType::kSHUFFLE},
      {"GATHER", LayerType::kGATHER}, {"MATRIX_MULTIPLY", LayerType::kMATRIX_MULTIPLY}, {"CONSTANT", LayerType::kCONSTANT},
      {"SLICE", LayerType::kSLICE}, {"SHAPE", LayerType::kSHAPE}, {"RESIZE", LayerType::kRESIZE}, {"EINSUM", LayerType::kEINSUM},
      {"REDUCE", LayerType::kREDUCE}, {"SOFTMAX", LayerType::kSOFTMAX}, {"UNARY", LayerType::kUNARY}};
  auto it = types.find(name);
  return it != types.end() ? it->second : LayerType::kPLUGIN_V2;
}

class FakeLayer final : public ILayer, public apiv::StubVLayer {
 public:
  FakeLayer(std::string name, LayerType type, std::vector<FakeTensor*> in, std::vector<FakeTensor*> out, const bool& strong)
      : name_(std::move(name)), type_(type), in_(std::move(in)), out_(std::move(out)), strong_(strong), outputTypes_(out_.size()) {
    ILayer::mLayer = this;
  }
  LayerType getType() const noexcept override { return type_; }
  char const* getName() const noexcept override { return name_.c_str(); }
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(in_.size()); }
  ITensor* getInput(int32_t i) const noexcept override { return i >= 0 && i < getNbInputs() ? in_[static_cast<size_t>(i)] : nullptr; }
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(out_.size()); }
  ITensor* getOutput(int32_t i) const noexcept override { return i >= 0 && i < getNbOutputs() ? out_[static_cast<size_t>(i)] : nullptr; }
  // "Strongly-typed networks reject calls to method setPrecision" (ILayer::setPrecision).
  void setPrecision(DataType type) noexcept override {
    if (strong_) violation("setPrecision on layer '" + name_ + "' of a strongly typed network");
    precision_ = type;
    precisionSet_ = true;
  }
  DataType getPrecision() const noexcept override { return precision_; }
  bool precisionIsSet() const noexcept override { return precisionSet_; }
  // "the output type of all layers that are shape operations must be kINT32" (ILayer::setOutputType).
  void setOutputType(int32_t i, DataType type) noexcept override {
    if (strong_) violation("setOutputType on layer '" + name_ + "' of a strongly typed network");
    if (i < 0 || i >= getNbOutputs()) {
      violation("setOutputType(" + std::to_string(i) + ") on layer '" + name_ + "', which has " + std::to_string(getNbOutputs()) + " outputs");
      return;
    }
    const FakeTensor& t = *out_[static_cast<size_t>(i)];
    if (type_ == LayerType::kSHAPE || t.shape || (t.getType() != DataType::kFLOAT && t.getType() != DataType::kHALF)) {
      violation("setOutputType(" + std::to_string(i) + ", " + typeName(type) + ") on layer '" + name_ + "', whose output '" + t.spec.name +
                "' is a shape or " + typeName(t.getType()) + " tensor");
    }
    outputTypes_[static_cast<size_t>(i)] = type;
  }
  DataType getOutputType(int32_t i) const noexcept override { return outputTypes_.at(static_cast<size_t>(i)).value_or(DataType::kFLOAT); }
  bool outputTypeIsSet(int32_t i) const noexcept override { return outputTypes_.at(static_cast<size_t>(i)).has_value(); }
  std::string pins() const {
    std::string text = std::string(typeName(precision_)) + " outputs=";
    for (size_t o = 0; o < outputTypes_.size(); ++o) text += (o ? "," : "") + std::string(outputTypes_[o] ? typeName(*outputTypes_[o]) : "-");
    return text;
  }

 private:
  std::string name_;
  LayerType type_;
  std::vector<FakeTensor*> in_, out_;
  const bool& strong_;
  DataType precision_ = DataType::kFLOAT;
  bool precisionSet_ = false;
  std::vector<std::optional<DataType>> outputTypes_;
};

class FakeNetwork final : public INetworkDefinition, public apiv::StubVNetworkDefinition {
 public:
  explicit FakeNetwork(bool strong) : strong(strong) { INetworkDefinition::mImpl = this; }
  int32_t getNbInputs() const noexcept override { return static_cast<int32_t>(inputs.size()); }
  ITensor* getInput(int32_t index) const noexcept override { return inputs.at(static_cast<size_t>(index)).get(); }
  int32_t getNbOutputs() const noexcept override { return static_cast<int32_t>(outputTensors.size()); }
  ITensor* getOutput(int32_t index) const noexcept override {
    return index >= 0 && index < getNbOutputs() ? outputTensors[static_cast<size_t>(index)] : nullptr;
  }
  int32_t getNbLayers() const noexcept override { return static_cast<int32_t>(layers.size()); }
  ILayer* getLayer(int32_t index) const noexcept override {
    return index >= 0 && index < getNbLayers() ? layers[static_cast<size_t>(index)].get() : nullptr;
  }
  // The tensor named `name`: a network I/O tensor, or an intermediate made on first mention.
  FakeTensor* tensor(const std::string& name, const std::string& dtype, bool shape) {
    for (auto& t : inputs) {
      if (t->spec.name == name) return t.get();
    }
    auto& slot = intermediates[name];
    if (!slot) {
      TensorSpec spec;
      spec.name = name;
      spec.dtype = dtype.empty() ? "float32" : dtype;
      for (const auto& o : outputs) {
        if (o.name == name) spec = o;
      }
      slot = std::make_unique<FakeTensor>(spec);
      slot->shape = shape;
    }
    return slot.get();
  }
  bool strong;
  std::vector<std::unique_ptr<FakeTensor>> inputs;
  std::vector<TensorSpec> outputs;
  std::vector<FakeTensor*> outputTensors;
  std::map<std::string, std::unique_ptr<FakeTensor>> intermediates;
  std::vector<std::unique_ptr<FakeLayer>> layers;
  bool parsed = false;
  std::map<std::string, std::string> data, dumps;  // the .fakenet's directives, carried into the plan
};

class FakeProfile final : public IOptimizationProfile, public apiv::StubVOptimizationProfile {
 public:
  FakeProfile() { IOptimizationProfile::mImpl = this; }
  bool setDimensions(char const* name, OptProfileSelector select, Dims const& dims) noexcept override {
    ranges[name][static_cast<int>(select)] = fromDims(dims);
    return true;
  }
  Dims getDimensions(char const* name, OptProfileSelector select) const noexcept override {
    auto it = ranges.find(name);
    return it == ranges.end() ? Dims{-1, {}} : toDims(it->second.at(static_cast<int>(select)));
  }
  std::map<std::string, std::map<int, std::vector<int64_t>>> ranges;
};

class FakeTimingCache final : public ITimingCache, public apiv::StubVTimingCache {
 public:
  FakeTimingCache() { ITimingCache::mImpl = this; }
  IHostMemory* serialize() const noexcept override { return new FakeHostMemory("YOLOE-FAKE-TIMING-CACHE"); }
};

class FakeConfig final : public IBuilderConfig, public apiv::StubVBuilderConfig {
 public:
  FakeConfig() { IBuilderConfig::mImpl = this; }
  void setFlag(BuilderFlag flag) noexcept override { flags.push_back(flag); }
  void setInt8Calibrator(IInt8Calibrator* c) noexcept override { calibrator = c; }
  void setDLACore(int32_t core) noexcept override { dla = core; }
  void setDefaultDeviceType(DeviceType) noexcept override {}
  int32_t addOptimizationProfile(IOptimizationProfile const* p) noexcept override {
    profiles.push_back(static_cast<FakeProfile const*>(p));
    return static_cast<int32_t>(profiles.size()) - 1;
  }
  int32_t getNbOptimizationProfiles() const noexcept override { return static_cast<int32_t>(profiles.size()); }
  bool setCalibrationProfile(IOptimizationProfile const* p) noexcept override {
    if (failing("calibration-profile")) {
      error("setCalibrationProfile: the profile is not valid for calibration");
      return false;
    }
    calibrationProfile = static_cast<FakeProfile const*>(p);
    return true;
  }
  ITimingCache* createTimingCache(void const* blob, std::size_t size) const noexcept override {
    const std::string text = blob != nullptr ? std::string(static_cast<const char*>(blob), size) : "";
    if (!text.empty() && text != "YOLOE-FAKE-TIMING-CACHE") return nullptr;
    return new FakeTimingCache();
  }
  bool setTimingCache(ITimingCache const& cache, bool) noexcept override {
    timing = &cache;
    return true;
  }
  ITimingCache const* getTimingCache() const noexcept override { return timing; }
  void setMemoryPoolLimit(MemoryPoolType, std::size_t bytes) noexcept override { call("setMemoryPoolLimit " + std::to_string(bytes)); }
  void setBuilderOptimizationLevel(int32_t level) noexcept override { call("setBuilderOptimizationLevel " + std::to_string(level)); }
  void setHardwareCompatibilityLevel(HardwareCompatibilityLevel level) noexcept override {
    hardwareAmperePlus = level == HardwareCompatibilityLevel::kAMPERE_PLUS;
  }
  void setProgressMonitor(IProgressMonitor* m) noexcept override { monitor = m; }
  bool has(BuilderFlag flag) const {
    for (auto f : flags) {
      if (f == flag) return true;
    }
    return false;
  }
  std::vector<BuilderFlag> flags;
  IInt8Calibrator* calibrator = nullptr;
  int dla = -1;
  std::vector<FakeProfile const*> profiles;
  FakeProfile const* calibrationProfile = nullptr;
  ITimingCache const* timing = nullptr;
  bool hardwareAmperePlus = false;
  IProgressMonitor* monitor = nullptr;
};

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// Drives the calibrator as TensorRT does: the cache first, else getBatch until it returns false,
// each batch a device buffer of the calibration shape, then writeCalibrationCache.
bool calibrate(FakeConfig& config, FakeNetwork& network) {
  IInt8Calibrator& calibrator = *config.calibrator;
  size_t cacheBytes = 0;
  if (calibrator.readCalibrationCache(cacheBytes) != nullptr && cacheBytes > 0) {
    call("calibration cache read " + std::to_string(cacheBytes) + " bytes");
    return true;
  }
  // TensorRT asks for every network input at once, each at its calibration-profile opt shape.
  std::vector<const char*> names;
  std::vector<size_t> needed;
  std::vector<std::string> shapes;
  for (const auto& tensor : network.inputs) {
    const TensorSpec& input = tensor->spec;
    std::vector<int64_t> shape = input.dims;
    if (input.dynamic()) {
      if (config.calibrationProfile == nullptr) {
        error("a dynamic network calibrates at the calibration profile's opt shape, and none was set");
        return false;
      }
      shape = config.calibrationProfile->ranges.at(input.name).at(static_cast<int>(OptProfileSelector::kOPT));
    }
    names.push_back(input.name.c_str());
    needed.push_back(static_cast<size_t>(volume(shape)) * 4);
    shapes.push_back(dimsText(shape));
  }
  int batches = 0;
  for (;;) {
    std::vector<void*> bindings(names.size(), nullptr);
    std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(yoloe_fake::setting("STEP_MS", "0"))));
    if (!calibrator.getBatch(bindings.data(), names.data(), static_cast<int32_t>(names.size()))) break;
    for (size_t i = 0; i < names.size(); ++i) {
      if (bytesAt(bindings[i]) < needed[i]) {
        violation("getBatch handed " + std::to_string(bytesAt(bindings[i])) + " bytes of device memory for '" + names[i] +
                  "', its calibration shape [" + shapes[i] + "] needs " + std::to_string(needed[i]));
        return false;
      }
      // what arrived, once: the tests check the bytes of the inputs other than the image
      if (batches == 0 && i > 0) {
        double sum = 0;
        for (size_t k = 0; k < needed[i] / 4; ++k) sum += static_cast<const float*>(bindings[i])[k];
        call("calibration input " + std::string(names[i]) + " sum=" + std::to_string(sum));
      }
    }
    ++batches;
  }
  call("calibration batches " + std::to_string(batches));
  const std::string cache = "TRT-" + std::to_string(NV_TENSORRT_VERSION) + "-EntropyCalibration2\ninput: 3c010a14\n";
  calibrator.writeCalibrationCache(cache.data(), cache.size());
  return batches > 0;
}
#pragma GCC diagnostic pop

class FakeBuilder final : public IBuilder, public apiv::StubVBuilder {
 public:
  FakeBuilder() { IBuilder::mImpl = this; }
  int32_t getNbDLACores() const noexcept override { return std::stoi(yoloe_fake::setting("DLA", "0")); }
  bool platformHasFastFp16() const noexcept override { return true; }
  IBuilderConfig* createBuilderConfig() noexcept override { return failing("config") ? nullptr : new FakeConfig(); }
  INetworkDefinition* createNetworkV2(NetworkDefinitionCreationFlags flags) noexcept override {
    call("createNetworkV2 flags=" + std::to_string(flags));
    strong = (flags & (1U << static_cast<uint32_t>(NetworkDefinitionCreationFlag::kSTRONGLY_TYPED))) != 0;
    return failing("network") ? nullptr : new FakeNetwork(strong);
  }
  IOptimizationProfile* createOptimizationProfile() noexcept override {
    profiles.push_back(std::make_unique<FakeProfile>());
    return profiles.back().get();
  }
  IHostMemory* buildSerializedNetwork(INetworkDefinition& networkBase, IBuilderConfig& configBase) noexcept override {
    auto& network = static_cast<FakeNetwork&>(networkBase);
    auto& config = static_cast<FakeConfig&>(configBase);
    // libnvinfer dlopens its builder resource by bare name when a build starts (NVIDIA/TensorRT#2218).
    const std::string resource = std::string("libnvinfer_builder_resource.so.") + std::to_string(NV_TENSORRT_MAJOR) + "." +
                                 std::to_string(NV_TENSORRT_MINOR) + "." + std::to_string(NV_TENSORRT_PATCH);
    if (dlopen(resource.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
      error("could not load " + resource + " (" + std::string(dlerror()) + ")");
      return nullptr;
    }
    if (!network.parsed) {
      error("the network is empty");
      return nullptr;
    }
    Plan plan;
    for (const auto& input : network.inputs) {
      TensorSpec spec = input->spec;
      if (spec.dynamic()) {
        const FakeProfile* profile = config.profiles.empty() ? nullptr : config.profiles.front();
        if (profile == nullptr || profile->ranges.count(spec.name) == 0) {
          error("dynamic input '" + spec.name + "' has no optimization profile");
          return nullptr;
        }
        const auto& r = profile->ranges.at(spec.name);
        spec.min = r.at(static_cast<int>(OptProfileSelector::kMIN));
        spec.opt = r.at(static_cast<int>(OptProfileSelector::kOPT));
        spec.max = r.at(static_cast<int>(OptProfileSelector::kMAX));
      }
      plan.tensors.push_back(spec);
    }
    for (const auto& output : network.outputs) plan.tensors.push_back(output);
    if (config.monitor != nullptr) {
      config.monitor->phaseStart("Building", nullptr, 3);
      for (int step = 0; step < 3; ++step) {
        std::this_thread::sleep_for(std::chrono::milliseconds(std::stoi(yoloe_fake::setting("STEP_MS", "0"))));
        if (!config.monitor->stepComplete("Building", step)) {
          call("build cancelled by the progress monitor");
          return nullptr;
        }
      }
      config.monitor->phaseFinish("Building");
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
    if (config.has(BuilderFlag::kINT8) && !strong) {
      if (config.calibrator == nullptr) {
        error("kINT8 without a calibrator or Q/DQ nodes");
        return nullptr;
      }
      if (!calibrate(config, network)) {
        error("calibration failed");
        return nullptr;
      }
      plan.flags += " int8";
    }
    if (config.has(BuilderFlag::kFP16)) plan.flags += " fp16";
#pragma GCC diagnostic pop
    if (strong) plan.flags += " strong";
    const bool prefer = config.has(BuilderFlag::kPREFER_PRECISION_CONSTRAINTS), obey = config.has(BuilderFlag::kOBEY_PRECISION_CONSTRAINTS);
    if (prefer) plan.flags += " prefer-precision";
    if (obey) plan.flags += " obey-precision";
    if (prefer && obey) violation("both kPREFER_PRECISION_CONSTRAINTS and kOBEY_PRECISION_CONSTRAINTS are set (set exactly one)");
    for (const auto& layer : network.layers) {
      if (!layer->precisionIsSet()) continue;
      call(std::string("pinned ") + layer->getName() + " " + layer->pins());
      // "TensorRT could still choose a non-conforming fastest implementation that ignores the
      // requested precision" unless one of the two flags is set.
      if (!prefer && !obey) violation(std::string("layer '") + layer->getName() + "' has a precision but no precision-constraints flag is set");
    }
    if (config.has(BuilderFlag::kVERSION_COMPATIBLE)) plan.flags += " version-compatible";
    if (config.hardwareAmperePlus) plan.flags += " ampere+";
    plan.dla = config.dla;
    plan.data = network.data;
    plan.dumps = network.dumps;
    call("buildSerializedNetwork" + plan.flags);
    return new FakeHostMemory(writePlan(plan));
  }

 private:
  bool strong = false;
  std::vector<std::unique_ptr<FakeProfile>> profiles;
};

// ------------------------------------------------------------------ ONNX parser

// The fake parser reads the network from "<model>.fakenet" (the plan_format's tensor lines).
class FakeParser final : public nvonnxparser::StubIParser {
 public:
  explicit FakeParser(FakeNetwork& network) : network_(network) {}
  bool parseFromFile(const char* path, int) noexcept override {
    call(std::string("parseFromFile ") + path);
    std::ifstream in(std::string(path) + ".fakenet");
    if (!in) {
      errors_.push_back("no " + std::string(path) + ".fakenet next to the model");
      return false;
    }
    Plan plan;
    std::stringstream text;
    text << "YOLOE-FAKE-PLAN\n" << in.rdbuf();
    parsePlan(text.str(), plan);
    for (auto& t : plan.tensors) {
      if (t.input) {
        network_.inputs.push_back(std::make_unique<FakeTensor>(t));
        network_.inputs.back()->networkInput = true;
      } else {
        network_.outputs.push_back(t);
      }
    }
    for (const auto& t : network_.outputs) {
      network_.outputTensors.push_back(network_.tensor(t.name, t.dtype, false));
      network_.outputTensors.back()->networkOutput = true;
    }
    readLayers(text.str());
    network_.data = plan.data;
    network_.dumps = plan.dumps;
    network_.parsed = true;
    return true;
  }
  int getNbErrors() const noexcept override { return static_cast<int>(errors_.size()); }
  nvonnxparser::IParserError const* getError(int) const noexcept override { return nullptr; }

 private:
  // "layer <name> <type> <in,..|-> <out[:dtype[:shape]],..>" lines (see plan_format).
  void readLayers(const std::string& text) {
    std::stringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      std::stringstream words(line);
      std::string kind, name, type, inputs, outputs;
      words >> kind >> name >> type >> inputs >> outputs;
      if (kind != "layer") continue;
      std::vector<FakeTensor*> ins, outs;
      for (const auto& item : split(inputs)) ins.push_back(network_.tensor(item, "", false));
      for (const auto& item : split(outputs)) {
        const std::vector<std::string> parts = split(item, ':');
        outs.push_back(network_.tensor(parts[0], parts.size() > 1 ? parts[1] : "", parts.size() > 2 && parts[2] == "shape"));
      }
      network_.layers.push_back(std::make_unique<FakeLayer>(name, layerType(type), ins, outs, network_.strong));
    }
  }
  static std::vector<std::string> split(const std::string& text, char by = ',') {
    std::vector<std::string> items;
    if (text == "-") return items;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, by)) items.push_back(item);
    return items;
  }
  FakeNetwork& network_;
  std::vector<std::string> errors_;
};

}  // namespace

extern "C" {

TENSORRTAPI int32_t getInferLibVersion() noexcept {
  const std::vector<int64_t> v = parseDims([] {
    std::string s = yoloe_fake::setting("VERSION", "");
    for (auto& c : s) c = c == '.' ? ',' : c;
    return s;
  }());
  return v.size() == 3 ? static_cast<int32_t>(v[0] * 10000 + v[1] * 100 + v[2]) : NV_TENSORRT_VERSION;
}

TENSORRTAPI int32_t getInferLibBuildVersion() noexcept { return std::stoi(yoloe_fake::setting("BUILD", std::to_string(NV_TENSORRT_BUILD))); }

TENSORRTAPI void* createInferRuntime_INTERNAL(void* logger, int32_t) noexcept {
  registerLogger(logger, "createInferRuntime");
  call("createInferRuntime");
  if (failing("runtime")) return nullptr;
  return static_cast<IRuntime*>(new FakeRuntime());
}

TENSORRTAPI void* createInferBuilder_INTERNAL(void* logger, int32_t) noexcept {
  registerLogger(logger, "createInferBuilder");
  call("createInferBuilder");
  if (failing("builder")) return nullptr;
  return static_cast<IBuilder*>(new FakeBuilder());
}

}  // extern "C"

// The parser lives in its own library (fake_nvonnxparser.cpp) but needs the network type.
extern "C" __attribute__((visibility("default"))) void* yoloe_fake_create_parser(void* network, void* logger) {
  registerLogger(logger, "createNvOnnxParser");
  call("createNvOnnxParser");
  if (failing("parser")) return nullptr;
  return static_cast<nvonnxparser::IParser*>(new FakeParser(*static_cast<FakeNetwork*>(static_cast<INetworkDefinition*>(network))));
}
