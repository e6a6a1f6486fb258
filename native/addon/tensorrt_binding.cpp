#include "tensorrt_binding.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "job.h"
#include "tensorrt/calibration_cache.h"
#include "tensorrt/calibration_data.h"
#include "tensorrt/engine_file.h"
#include "tensorrt/errors.h"
#include "tensorrt/library_open.h"
#include "tensorrt/loader_paths.h"

#if defined(YOLOE_WITH_TENSORRT)
#include "tensorrt/builder.h"
#include "tensorrt/library_info.h"
#include "tensorrt/runtime.h"
#endif

namespace yoloe {
namespace addon {

namespace {

using namespace yoloe::trt;

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array.Set(static_cast<uint32_t>(i), values[i]);
  return array;
}

Napi::Array numberArray(Napi::Env env, const std::vector<int64_t>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) array.Set(static_cast<uint32_t>(i), static_cast<double>(values[i]));
  return array;
}

std::string stringArg(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString()) {
    throwCoded(info.Env(), kErrInvalidOption,
               std::string("Expected a string for ") + name + " but received " +
                   describe(info.Length() > index ? info[index] : info.Env().Undefined()));
  }
  return info[index].As<Napi::String>().Utf8Value();
}

SearchEnvironment searchEnvironmentArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || info[index].IsUndefined()) return currentSearchEnvironment();
  if (!info[index].IsObject()) {
    throwCoded(info.Env(), kErrInvalidOption, "Expected an object for env but received " + describe(info[index]));
  }
  Napi::Object object = info[index].As<Napi::Object>();
  SearchEnvironment env;
  auto text = [&](const char* key) {
    Napi::Value value = object.Get(key);
    return value.IsString() ? value.As<Napi::String>().Utf8Value() : std::string();
  };
  env.tensorrtLibDir = text("TENSORRT_LIB_DIR");
  env.ldLibraryPath = text("LD_LIBRARY_PATH");
  return env;
}

int compiledHeaderMajor() {
#if defined(YOLOE_WITH_TENSORRT)
  return headerMajor();
#else
  return 0;
#endif
}

// ------------------------------------------------------------------ header-free helpers

// librarySearch(env?) -> the directories and candidate paths the loader would try.
Napi::Value LibrarySearch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const SearchEnvironment search = searchEnvironmentArg(info, 0);
    const std::vector<int> majors = acceptedMajors(compiledHeaderMajor());
    Napi::Object result = Napi::Object::New(env);
    std::vector<int64_t> majorValues(majors.begin(), majors.end());
    result.Set("majors", numberArray(env, majorValues));
    result.Set("dirs", stringArray(env, librarySearchDirs(search)));
    result.Set("nvinfer", stringArray(env, libraryCandidates("libnvinfer", majors, search)));
    result.Set("nvonnxparser", stringArray(env, libraryCandidates("libnvonnxparser", majors, search)));
    return result;
  });
}

// probe() -> what is compiled in, what the search found, and why TensorRT is unusable if it is.
Napi::Value Probe(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const SearchEnvironment search = currentSearchEnvironment();
    const std::vector<int> majors = acceptedMajors(compiledHeaderMajor());
    Napi::Object result = Napi::Object::New(env);
    std::vector<int64_t> majorValues(majors.begin(), majors.end());
    result.Set("acceptedMajors", numberArray(env, majorValues));
    result.Set("searchedPaths", stringArray(env, libraryCandidates("libnvinfer", majors, search)));
#if defined(YOLOE_WITH_TENSORRT)
    result.Set("compiled", true);
    result.Set("headerVersion", headerVersion());
    result.Set("gpuPreprocessing", Engine::gpuPreprocessingCompiled());
    try {
      const LoadedLibraries loaded = loadInferLibrary();
      result.Set("found", true);
      result.Set("usable", true);
      result.Set("library", loaded.inferPath);
      result.Set("version", loaded.inferVersion);
    } catch (const BackendError& error) {
      result.Set("found", false);
      result.Set("usable", false);
      result.Set("reason", "TensorRT library not loadable");
      result.Set("error", error.what());
    }
#else
    result.Set("compiled", false);
    result.Set("usable", false);
    result.Set("reason", "built without TensorRT headers");
    result.Set("gpuPreprocessing", false);
    // The library can still be looked for (a plain C symbol gives its version), so `doctor`
    // can tell "rebuild with headers" apart from "install TensorRT".
    const InferLibraryProbe probe = probeInferLibrary(majors, search);
    result.Set("found", probe.found);
    if (probe.found) {
      result.Set("library", probe.path);
      result.Set("version", formatVersion(probe.version));
    } else {
      result.Set("error", probe.error);
    }
#endif
    return result;
  });
}

// parseEngineHeader(bytes, fileSize?) -> { kind, formatVersion, metadata, planOffset }
Napi::Value ParseEngineHeader(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsTypedArray()) {
      throwCoded(env, kErrInvalidOption,
                 "Expected a Uint8Array for bytes but received " + describe(info.Length() ? info[0] : env.Undefined()));
    }
    Napi::TypedArray bytes = info[0].As<Napi::TypedArray>();
    const size_t size = bytes.ByteLength();
    double fileSize = static_cast<double>(size);
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsNumber() || info[1].As<Napi::Number>().DoubleValue() < static_cast<double>(size)) {
        throwCoded(env, kErrInvalidOption, "Expected a number >= bytes.length for fileSize but received " + describe(info[1]));
      }
      fileSize = info[1].As<Napi::Number>().DoubleValue();
    }
    const EngineFileHeader header =
        parseEngineHeader(dataOf<uint8_t>(bytes), size, static_cast<uint64_t>(fileSize));
    Napi::Object result = Napi::Object::New(env);
    result.Set("kind", engineFileKindName(header.kind));
    result.Set("formatVersion", header.formatVersion);
    result.Set("metadata", header.metadataJson);
    result.Set("planOffset", static_cast<double>(header.planOffset));
    return result;
  });
}

// encodeEngineHeader(metadataJson) -> Buffer holding the bytes that precede the plan.
Napi::Value EncodeEngineHeader(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    const std::vector<uint8_t> bytes = encodeEngineHeader(stringArg(info, 0, "metadata"));
    return Napi::Buffer<uint8_t>::Copy(info.Env(), bytes.data(), bytes.size());
  });
}

CalibrationMethod methodArg(const Napi::CallbackInfo& info, size_t index) {
  const std::string method = stringArg(info, index, "method");
  if (method == "entropy") return CalibrationMethod::Entropy;
  if (method == "minmax") return CalibrationMethod::MinMax;
  throwCoded(info.Env(), kErrInvalidOption, "Expected one of 'entropy', 'minmax' for method but received \"" + method + "\"");
}

// inspectCalibrationCache(text, runningVersionCode, method) -> the check a build makes first.
Napi::Value InspectCalibrationCache(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    const std::string text = stringArg(info, 0, "text");
    if (info.Length() < 2 || !info[1].IsNumber()) {
      throwCoded(env, kErrInvalidOption, "Expected a number for runningVersionCode but received " +
                                             describe(info.Length() > 1 ? info[1] : env.Undefined()));
    }
    const int32_t running = info[1].As<Napi::Number>().Int32Value();
    const CalibrationMethod method = methodArg(info, 2);
    const CacheInspection inspection = inspectCalibrationCache(text, running, method);
    Napi::Object result = Napi::Object::New(env);
    result.Set("status", cacheStatusName(inspection.status));
    result.Set("version", inspection.version);
    result.Set("algorithm", inspection.algorithm);
    result.Set("entries", static_cast<double>(inspection.entries));
    result.Set("problem", inspection.problem);
    result.Set("rewritten", inspection.status == CacheStatus::VersionMismatch
                                ? Napi::Value(Napi::String::New(env, rewriteCalibrationCacheHeader(text, running, method)))
                                : env.Null());
    return result;
  });
}

// readCalibrationBatch(path, index) -> { dims, batches, data: Float32Array } as the calibrators
// read it (so the TypeScript writer can be checked against the C++ reader).
Napi::Value ReadCalibrationBatch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    CalibrationData data(stringArg(info, 0, "path"));
    if (info.Length() < 2 || !info[1].IsNumber() || info[1].As<Napi::Number>().DoubleValue() < 0 ||
        info[1].As<Napi::Number>().DoubleValue() >= static_cast<double>(data.batchCount())) {
      throwCoded(env, kErrInvalidOption, "Expected a batch index below " + std::to_string(data.batchCount()) +
                                             " for index but received " + describe(info.Length() > 1 ? info[1] : env.Undefined()));
    }
    Napi::Float32Array batch = Napi::Float32Array::New(env, data.batchBytes() / sizeof(float));
    data.readBatch(static_cast<size_t>(info[1].As<Napi::Number>().Int64Value()), batch.Data());
    Napi::Object result = Napi::Object::New(env);
    result.Set("dims", numberArray(env, data.batchDims()));
    result.Set("batches", static_cast<double>(data.batchCount()));
    result.Set("data", batch);
    return result;
  });
}

#if defined(YOLOE_WITH_TENSORRT)
// ------------------------------------------------------------------ engine functions (TensorRT builds)

std::string readString(Napi::Env env, Napi::Object object, const char* key, const std::string& dflt, bool required) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined() && !required) return dflt;
  if (!value.IsString() || value.As<Napi::String>().Utf8Value().empty()) {
    throwCoded(env, kErrInvalidOption, std::string("Expected a non-empty string for ") + key + " but received " + describe(value));
  }
  return value.As<Napi::String>().Utf8Value();
}

int64_t readInteger(Napi::Env env, Napi::Object object, const char* key, int64_t min, int64_t max, int64_t dflt) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return dflt;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1e300;
  if (!value.IsNumber() || number != static_cast<double>(static_cast<int64_t>(number)) || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    throwCoded(env, kErrInvalidOption, std::string("Expected an integer between ") + std::to_string(min) + " and " +
                                           std::to_string(max) + " for " + key + " but received " + describe(value));
  }
  return static_cast<int64_t>(number);
}

bool readBoolean(Napi::Env env, Napi::Object object, const char* key, bool dflt) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return dflt;
  if (!value.IsBoolean()) throwCoded(env, kErrInvalidOption, std::string("Expected a boolean for ") + key + " but received " + describe(value));
  return value.As<Napi::Boolean>().Value();
}

Napi::Object readObject(Napi::Env env, Napi::Value value, const std::string& what) {
  if (!value.IsObject() || value.IsArray()) {
    throwCoded(env, kErrInvalidOption, "Expected an object for " + what + " but received " + describe(value));
  }
  return value.As<Napi::Object>();
}

std::vector<int64_t> readDims(Napi::Env env, Napi::Value value, const std::string& what, int64_t min) {
  if (!value.IsArray() || value.As<Napi::Array>().Length() > 8) {
    throwCoded(env, kErrInvalidOption, "Expected an array of at most 8 integers for " + what + " but received " + describe(value));
  }
  Napi::Array array = value.As<Napi::Array>();
  std::vector<int64_t> dims;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value item = array.Get(i);
    const double number = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1;
    if (!item.IsNumber() || number < static_cast<double>(min) || number > 1e9 || number != static_cast<double>(static_cast<int64_t>(number))) {
      throwCoded(env, kErrInvalidOption, "Expected integers >= " + std::to_string(min) + " in " + what + " but received " + describe(item));
    }
    dims.push_back(static_cast<int64_t>(number));
  }
  return dims;
}

Precision readPrecision(Napi::Env env, Napi::Object object) {
  const std::string value = readString(env, object, "precision", "fp16", false);
  if (value == "fp32") return Precision::FP32;
  if (value == "fp16") return Precision::FP16;
  if (value == "int8") return Precision::INT8;
  if (value == "best") return Precision::Best;
  throwCoded(env, kErrInvalidOption, "Expected one of 'fp32', 'fp16', 'int8', 'best' for precision but received \"" + value + "\"");
}

BuildOptions readBuildOptions(Napi::Env env, Napi::Object object) {
  BuildOptions options;
  options.onnxPath = readString(env, object, "onnx", "", true);
  options.precision = readPrecision(env, object);
  options.stronglyTyped = readBoolean(env, object, "stronglyTyped", false);
  options.workspaceBytes = static_cast<uint64_t>(readInteger(env, object, "workspace", 0, int64_t{1} << 50, 0));
  options.timingCachePath = readString(env, object, "timingCache", "", false);
  options.optimizationLevel = static_cast<int>(readInteger(env, object, "optimizationLevel", 0, 5, -1));
  options.dlaCore = static_cast<int>(readInteger(env, object, "dlaCore", 0, 15, -1));
  options.gpuFallback = readBoolean(env, object, "gpuFallback", true);
  options.device = static_cast<int>(readInteger(env, object, "device", 0, 255, 0));
  Napi::Value shapes = object.Get("shapes");
  if (!shapes.IsUndefined()) {
    if (!shapes.IsArray()) throwCoded(env, kErrInvalidOption, "Expected an array for shapes but received " + describe(shapes));
    Napi::Array list = shapes.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      const std::string what = "shapes[" + std::to_string(i) + "]";
      Napi::Object entry = readObject(env, list.Get(i), what);
      InputShapeRange range;
      range.input = entry.Get("input").IsString() ? entry.Get("input").As<Napi::String>().Utf8Value() : "";
      range.min = readDims(env, entry.Get("min"), what + ".min", 1);
      range.opt = readDims(env, entry.Get("opt"), what + ".opt", 1);
      range.max = readDims(env, entry.Get("max"), what + ".max", 1);
      options.shapes.push_back(std::move(range));
    }
  }
  Napi::Value calibration = object.Get("calibration");
  if (!calibration.IsUndefined()) {
    Napi::Object entry = readObject(env, calibration, "calibration");
    options.calibration.enabled = true;
    options.calibration.dataPath = readString(env, entry, "data", "", false);
    options.calibration.cachePath = readString(env, entry, "cache", "", false);
    const std::string method = readString(env, entry, "method", "entropy", false);
    if (method != "entropy" && method != "minmax") {
      throwCoded(env, kErrInvalidOption, "Expected one of 'entropy', 'minmax' for calibration.method but received \"" + method + "\"");
    }
    options.calibration.method = method == "minmax" ? CalibrationMethod::MinMax : CalibrationMethod::Entropy;
    options.calibration.rejectVersionMismatch = readBoolean(env, entry, "rejectVersionMismatch", false);
  }
  return options;
}

// Progress events hop from the build thread to JavaScript; a callback returning false (or
// throwing) asks the build to stop at TensorRT's next step.
class JsProgressSink : public ProgressSink {
 public:
  explicit JsProgressSink(Napi::ThreadSafeFunction fn) : fn_(fn) {}
  void phaseStart(const std::string& phase, const std::string& parent, int32_t steps) override {
    send("start", phase, parent, 0, steps);
  }
  void stepComplete(const std::string& phase, int32_t step) override { send("step", phase, "", step, 0); }
  void phaseFinish(const std::string& phase) override { send("finish", phase, "", 0, 0); }
  void release() {
    if (!released_) fn_.Release();
    released_ = true;
  }

 private:
  void send(const char* type, const std::string& phase, const std::string& parent, int32_t step, int32_t steps) {
    if (cancelled()) return;
    auto cancel = cancelFlag();
    fn_.NonBlockingCall([cancel, type, phase, parent, step, steps](Napi::Env env, Napi::Function callback) {
      if (cancel->load()) return;
      Napi::Object event = Napi::Object::New(env);
      event.Set("type", type);
      event.Set("phase", phase);
      if (!parent.empty()) event.Set("parent", parent);
      if (std::strcmp(type, "start") == 0) event.Set("steps", steps);
      if (std::strcmp(type, "step") == 0) event.Set("step", step);
      try {
        Napi::Value answer = callback.Call({event});
        if (answer.IsBoolean() && !answer.As<Napi::Boolean>().Value()) cancel->store(true);
      } catch (const Napi::Error&) {
        cancel->store(true);  // a throwing progress callback stops the build rather than crashing it
      }
    });
  }

  Napi::ThreadSafeFunction fn_;
  bool released_ = false;
};

class BuildJob : public Job {
 public:
  BuildJob(BuildOptions options, std::unique_ptr<JsProgressSink> sink) : options_(std::move(options)), sink_(std::move(sink)) {}
  ~BuildJob() override {
    if (sink_) sink_->release();
  }
  void execute() override { result_ = buildSerializedEngine(options_, sink_.get()); }
  Napi::Value result(Napi::Env env) override {
    if (sink_) sink_->release();
    Napi::Object out = Napi::Object::New(env);
    out.Set("plan", Napi::Buffer<uint8_t>::Copy(env, result_.plan.data(), result_.plan.size()));
    out.Set("tensorrtVersion", result_.tensorrtVersion);
    out.Set("tensorrtVersionCode", result_.tensorrtVersionCode);
    Napi::Object gpu = Napi::Object::New(env);
    gpu.Set("name", result_.gpu.name);
    gpu.Set("computeCapability", std::to_string(result_.gpu.computeMajor) + "." + std::to_string(result_.gpu.computeMinor));
    gpu.Set("integrated", result_.gpu.integrated);
    gpu.Set("memoryBytes", static_cast<double>(result_.gpu.totalMemory));
    out.Set("gpu", gpu);
    out.Set("warnings", stringArray(env, result_.warnings));
    out.Set("calibrationCache", result_.calibrationCache);
    out.Set("timingCacheSaved", result_.timingCacheSaved);
    return out;
  }

 private:
  BuildOptions options_;
  std::unique_ptr<JsProgressSink> sink_;
  BuildResult result_;
};

// buildEngine(options, onProgress?) -> Promise<{ plan, tensorrtVersion, gpu, warnings, ... }>
Napi::Value BuildEngine(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    Napi::Object object = readObject(env, info.Length() ? info[0] : env.Undefined(), "buildEngine options");
    BuildOptions options = readBuildOptions(env, object);
    std::unique_ptr<JsProgressSink> sink;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      if (!info[1].IsFunction()) throwCoded(env, kErrInvalidOption, "Expected a function for onProgress but received " + describe(info[1]));
      sink = std::make_unique<JsProgressSink>(
          Napi::ThreadSafeFunction::New(env, info[1].As<Napi::Function>(), "yoloe-trt:build-progress", 0, 1));
    }
    return runJob(env, std::make_unique<BuildJob>(std::move(options), std::move(sink)), true);
  });
}

// Engine handles are type-tagged externals: a wrong object is a clear error, never a crash.
constexpr napi_type_tag kEngineTag = {0x79f1c0e7a2b44d10ULL, 0x9d3e5a7c1b2f8e64ULL};

struct EngineBox {
  std::shared_ptr<Engine> engine;
};

std::shared_ptr<Engine> engineArg(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsExternal() || !info[0].As<Napi::External<EngineBox>>().CheckTypeTag(&kEngineTag)) {
    throwCoded(env, kErrInvalidOption, "Expected an engine handle from loadEngine() but received " +
                                           describe(info.Length() ? info[0] : env.Undefined()));
  }
  std::shared_ptr<Engine> engine = info[0].As<Napi::External<EngineBox>>().Data()->engine;
  if (!engine) throwCoded(env, "ERR_DISPOSED", "The engine was released");
  return engine;
}

Napi::Object describeTensor(Napi::Env env, const TensorDescription& tensor) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", tensor.name);
  out.Set("dtype", tensor.dtype);
  out.Set("dims", numberArray(env, tensor.dims));
  if (tensor.isInput) {
    out.Set("min", numberArray(env, tensor.minDims));
    out.Set("opt", numberArray(env, tensor.optDims));
    out.Set("max", numberArray(env, tensor.maxDims));
  }
  return out;
}

class LoadJob : public Job {
 public:
  LoadJob(std::string path, const uint8_t* plan, size_t size, EngineOptions options)
      : path_(std::move(path)), plan_(plan), size_(size), options_(options) {}
  void execute() override {
    if (!path_.empty()) {
      const EngineFileHeader header = readEngineFileHeader(path_);
      const std::vector<uint8_t> plan = readEnginePlan(path_, header.planOffset);
      engine_ = Engine::deserialize(plan.data(), plan.size(), options_);
    } else {
      engine_ = Engine::deserialize(plan_, size_, options_);
    }
  }
  Napi::Value result(Napi::Env env) override {
    auto handle = Napi::External<EngineBox>::New(env, new EngineBox{engine_}, [](Napi::Env, EngineBox* box) { delete box; });
    handle.TypeTag(&kEngineTag);
    return handle;
  }

 private:
  std::string path_;
  const uint8_t* plan_;
  size_t size_;
  EngineOptions options_;
  std::shared_ptr<Engine> engine_;
};

// loadEngine(pathOrPlan, { device, maxContexts, cudaGraphs }) -> Promise<handle>
Napi::Value LoadEngine(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    EngineOptions options;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      Napi::Object object = readObject(env, info[1], "loadEngine options");
      options.device = static_cast<int>(readInteger(env, object, "device", 0, 255, 0));
      options.maxContexts = static_cast<uint32_t>(readInteger(env, object, "maxContexts", 1, 64, 2));
      options.cudaGraphs = readBoolean(env, object, "cudaGraphs", true);
    }
    if (info.Length() > 0 && info[0].IsString()) {
      return runJob(env, std::make_unique<LoadJob>(info[0].As<Napi::String>().Utf8Value(), nullptr, 0, options), true);
    }
    if (info.Length() == 0 || !info[0].IsTypedArray()) {
      throwCoded(env, kErrInvalidOption, "Expected an engine path or a Uint8Array plan but received " +
                                             describe(info.Length() ? info[0] : env.Undefined()));
    }
    Napi::TypedArray plan = info[0].As<Napi::TypedArray>();
    auto job = std::make_unique<LoadJob>("", dataOf<uint8_t>(plan), plan.ByteLength(), options);
    job->pin(plan);
    return runJob(env, std::move(job), true);
  });
}

// engineInfo(handle) -> { tensors, inputs, outputs, gpu, tensorrtVersion, zeroCopy, stats }
Napi::Value EngineInfo(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<Engine> engine = engineArg(info);
    Napi::Array inputs = Napi::Array::New(env);
    Napi::Array outputs = Napi::Array::New(env);
    for (const auto& tensor : engine->tensors()) {
      Napi::Array& list = tensor.isInput ? inputs : outputs;
      list.Set(list.Length(), describeTensor(env, tensor));
    }
    Napi::Object out = Napi::Object::New(env);
    out.Set("inputs", inputs);
    out.Set("outputs", outputs);
    out.Set("tensorrtVersion", engine->tensorrtVersion());
    Napi::Object gpu = Napi::Object::New(env);
    gpu.Set("name", engine->gpu().name);
    gpu.Set("computeCapability", std::to_string(engine->gpu().computeMajor) + "." + std::to_string(engine->gpu().computeMinor));
    gpu.Set("integrated", engine->gpu().integrated);
    gpu.Set("memoryBytes", static_cast<double>(engine->gpu().totalMemory));
    out.Set("gpu", gpu);
    out.Set("zeroCopy", engine->zeroCopy());
    out.Set("gpuPreprocessing", Engine::gpuPreprocessingCompiled());
    const EngineStats stats = engine->stats();
    Napi::Object statsOut = Napi::Object::New(env);
    statsOut.Set("contexts", stats.contexts);
    statsOut.Set("runs", static_cast<double>(stats.runs));
    statsOut.Set("graphReplays", static_cast<double>(stats.graphReplays));
    statsOut.Set("graphsDisabled", stats.graphsDisabled);
    out.Set("stats", statsOut);
    return out;
  });
}

Napi::Value outputTensor(Napi::Env env, const HostOutput& output) {
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, output.data.size());
  if (!output.data.empty()) std::memcpy(buffer.Data(), output.data.data(), output.data.size());
  Napi::Value data;
  const size_t bytes = output.data.size();
  if (output.dtype == "float32") data = Napi::Float32Array::New(env, bytes / 4, buffer, 0);
  else if (output.dtype == "float16") data = Napi::Uint16Array::New(env, bytes / 2, buffer, 0);
  else if (output.dtype == "int8") data = Napi::Int8Array::New(env, bytes, buffer, 0);
  else if (output.dtype == "int32") data = Napi::Int32Array::New(env, bytes / 4, buffer, 0);
  else if (output.dtype == "int64") data = Napi::BigInt64Array::New(env, bytes / 8, buffer, 0);
  else data = Napi::Uint8Array::New(env, bytes, buffer, 0);
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", output.name);
  out.Set("dtype", output.dtype);
  out.Set("dims", numberArray(env, output.dims));
  out.Set("data", data);
  return out;
}

class InferJob : public Job {
 public:
  InferJob(std::shared_ptr<Engine> engine, std::vector<HostInput> inputs) : engine_(std::move(engine)), inputs_(std::move(inputs)) {}
  InferJob(std::shared_ptr<Engine> engine, ImageBatch batch) : engine_(std::move(engine)), batch_(std::move(batch)), images_(true) {}
  void execute() override { outputs_ = images_ ? engine_->inferImages(batch_) : engine_->infer(inputs_); }
  Napi::Value result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) out.Set(static_cast<uint32_t>(i), outputTensor(env, outputs_[i]));
    return out;
  }

 private:
  std::shared_ptr<Engine> engine_;
  std::vector<HostInput> inputs_;
  ImageBatch batch_;
  bool images_ = false;
  std::vector<HostOutput> outputs_;
};

// infer(handle, [{ name, dims, data }]) -> Promise<[{ name, dtype, dims, data }]>
Napi::Value Infer(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<Engine> engine = engineArg(info);
    if (info.Length() < 2 || !info[1].IsArray()) {
      throwCoded(env, kErrInvalidOption, "Expected an array of input tensors but received " +
                                             describe(info.Length() > 1 ? info[1] : env.Undefined()));
    }
    Napi::Array list = info[1].As<Napi::Array>();
    std::vector<HostInput> inputs;
    std::vector<Napi::Value> pins;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      const std::string what = "inputs[" + std::to_string(i) + "]";
      Napi::Object entry = readObject(env, list.Get(i), what);
      HostInput input;
      input.name = readString(env, entry, "name", "", true);
      input.dims = readDims(env, entry.Get("dims"), what + ".dims", 0);
      Napi::Value data = entry.Get("data");
      if (!data.IsTypedArray()) throwCoded(env, kErrInvalidOption, "Expected a typed array for " + what + ".data but received " + describe(data));
      Napi::TypedArray array = data.As<Napi::TypedArray>();
      input.data = dataOf<uint8_t>(array);
      input.bytes = array.ByteLength();
      inputs.push_back(std::move(input));
      pins.push_back(array);
    }
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(inputs));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}

// inferImages(handle, { images: [{ data, width, height, stride?, newWidth, newHeight, left, top }],
//   inputWidth, inputHeight, padValue? }) -> Promise<outputs>
Napi::Value InferImages(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<Engine> engine = engineArg(info);
    Napi::Object request = readObject(env, info.Length() > 1 ? info[1] : env.Undefined(), "image batch");
    ImageBatch batch;
    batch.inputWidth = static_cast<int>(readInteger(env, request, "inputWidth", 1, 16384, 0));
    batch.inputHeight = static_cast<int>(readInteger(env, request, "inputHeight", 1, 16384, 0));
    batch.padValue = static_cast<int>(readInteger(env, request, "padValue", 0, 255, 114));
    Napi::Value images = request.Get("images");
    if (!images.IsArray() || images.As<Napi::Array>().Length() == 0) {
      throwCoded(env, kErrInvalidOption, "Expected a non-empty array for images but received " + describe(images));
    }
    std::vector<Napi::Value> pins;
    Napi::Array list = images.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object entry = readObject(env, list.Get(i), "images[" + std::to_string(i) + "]");
      ImageInput image;
      image.width = static_cast<int>(readInteger(env, entry, "width", 1, 65535, 0));
      image.height = static_cast<int>(readInteger(env, entry, "height", 1, 65535, 0));
      image.strideBytes = static_cast<int>(readInteger(env, entry, "stride", image.width * 3, 65535 * 4, image.width * 3));
      image.newWidth = static_cast<int>(readInteger(env, entry, "newWidth", 1, 16384, 0));
      image.newHeight = static_cast<int>(readInteger(env, entry, "newHeight", 1, 16384, 0));
      image.left = static_cast<int>(readInteger(env, entry, "left", 0, 16384, 0));
      image.top = static_cast<int>(readInteger(env, entry, "top", 0, 16384, 0));
      Napi::Value data = entry.Get("data");
      if (!data.IsTypedArray()) throwCoded(env, kErrInvalidOption, "Expected a Uint8Array for images[].data but received " + describe(data));
      Napi::TypedArray array = data.As<Napi::TypedArray>();
      const uint64_t needed = static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height - 1) +
                              static_cast<uint64_t>(image.width) * 3;
      if (array.ByteLength() < needed) {
        throwCoded(env, kErrShape, "images[" + std::to_string(i) + "].data has " + std::to_string(array.ByteLength()) +
                                       " bytes, a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                       " RGB image needs " + std::to_string(needed));
      }
      // The GPU path copies stride * height bytes: a short last row must still be readable.
      if (array.ByteLength() < static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height)) {
        image.strideBytes = image.width * 3;
        if (array.ByteLength() < static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height)) {
          throwCoded(env, kErrShape, "images[" + std::to_string(i) + "].data is shorter than stride * height");
        }
      }
      image.data = dataOf<uint8_t>(array);
      batch.images.push_back(image);
      pins.push_back(array);
    }
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(batch));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}

// releaseEngine(handle): drops this handle's reference; running inferences finish first.
Napi::Value ReleaseEngine(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    engineArg(info);
    info[0].As<Napi::External<EngineBox>>().Data()->engine.reset();
    return info.Env().Undefined();
  });
}

void registerEngineFunctions(Napi::Env env, Napi::Object tensorrt) {
  tensorrt.Set("buildEngine", Napi::Function::New(env, BuildEngine, "buildEngine"));
  tensorrt.Set("loadEngine", Napi::Function::New(env, LoadEngine, "loadEngine"));
  tensorrt.Set("engineInfo", Napi::Function::New(env, EngineInfo, "engineInfo"));
  tensorrt.Set("infer", Napi::Function::New(env, Infer, "infer"));
  tensorrt.Set("inferImages", Napi::Function::New(env, InferImages, "inferImages"));
  tensorrt.Set("releaseEngine", Napi::Function::New(env, ReleaseEngine, "releaseEngine"));
}
#else

Napi::Value Unavailable(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    throw BackendError(kErrUnavailable,
                       "The TensorRT backend is not compiled into this addon: it was built without TensorRT headers "
                       "(install TensorRT's development headers, or set TENSORRT_INCLUDE_DIR, and rebuild)");
  });
}

void registerEngineFunctions(Napi::Env env, Napi::Object tensorrt) {
  for (const char* name : {"buildEngine", "loadEngine", "engineInfo", "infer", "inferImages", "releaseEngine"}) {
    tensorrt.Set(name, Napi::Function::New(env, Unavailable, name));
  }
}

#endif

}  // namespace

void RegisterTensorRt(Napi::Env env, Napi::Object exports) {
  Napi::Object tensorrt = Napi::Object::New(env);
#if defined(YOLOE_WITH_TENSORRT)
  tensorrt.Set("compiled", true);
#else
  tensorrt.Set("compiled", false);
#endif
  tensorrt.Set("probe", Napi::Function::New(env, Probe, "probe"));
  tensorrt.Set("librarySearch", Napi::Function::New(env, LibrarySearch, "librarySearch"));
  tensorrt.Set("parseEngineHeader", Napi::Function::New(env, ParseEngineHeader, "parseEngineHeader"));
  tensorrt.Set("encodeEngineHeader", Napi::Function::New(env, EncodeEngineHeader, "encodeEngineHeader"));
  tensorrt.Set("inspectCalibrationCache", Napi::Function::New(env, InspectCalibrationCache, "inspectCalibrationCache"));
  tensorrt.Set("readCalibrationBatch", Napi::Function::New(env, ReadCalibrationBatch, "readCalibrationBatch"));
  registerEngineFunctions(env, tensorrt);
  exports.Set("tensorrt", tensorrt);
}

}  // namespace addon
}  // namespace yoloe
