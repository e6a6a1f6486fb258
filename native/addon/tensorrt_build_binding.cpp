#include "tensorrt_binding_values.h"

#if defined(YOLOE_WITH_TENSORRT)

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "job.h"
#include "tensorrt/builder.h"
#include "tensorrt/errors.h"

namespace yoloe {
namespace addon {

namespace {

using namespace yoloe::trt;

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
  options.versionCompatible = readBoolean(env, object, "versionCompatible", false);
  options.hardwareCompatibility = readString(env, object, "hardwareCompatibility", "none", false);
  if (options.hardwareCompatibility != "none" && options.hardwareCompatibility != "ampere+") {
    throwCoded(env, kErrInvalidOption, "Expected one of 'none', 'ampere+' for hardwareCompatibility but received \"" +
                                           options.hardwareCompatibility + "\"");
  }
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
  // fp16Layers: { embeddingsInput, protoOutput?, detectionOutput? } (lib/build-engine.ts decides when)
  Napi::Value pins = object.Get("fp16Layers");
  if (!pins.IsUndefined()) {
    Napi::Object entry = readObject(env, pins, "fp16Layers");
    options.fp16Pins.embeddingsInput = readString(env, entry, "embeddingsInput", "", true);
    options.fp16Pins.protoOutput = readString(env, entry, "protoOutput", "", false);
    options.fp16Pins.detectionOutput = readString(env, entry, "detectionOutput", "", false);
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
    Napi::Value fixed = entry.Get("fixedInputs");
    if (!fixed.IsUndefined()) {
      if (!fixed.IsArray()) throwCoded(env, kErrInvalidOption, "Expected an array for calibration.fixedInputs but received " + describe(fixed));
      Napi::Array list = fixed.As<Napi::Array>();
      for (uint32_t i = 0; i < list.Length(); ++i) {
        Napi::Object item = readObject(env, list.Get(i), "calibration.fixedInputs[" + std::to_string(i) + "]");
        options.calibration.fixedInputs.push_back({readString(env, item, "input", "", true), readString(env, item, "file", "", true)});
      }
    }
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

// Only a cancel flag: no events to send.
class SilentSink : public ProgressSink {
 public:
  void phaseStart(const std::string&, const std::string&, int32_t) override {}
  void stepComplete(const std::string&, int32_t) override {}
  void phaseFinish(const std::string&) override {}
};

class BuildJob : public Job {
 public:
  BuildJob(BuildOptions options, std::unique_ptr<JsProgressSink> sink, const int32_t* cancel)
      : options_(std::move(options)), sink_(std::move(sink)) {
    if (cancel != nullptr && !sink_) silent_ = std::make_unique<SilentSink>();
    if (cancel != nullptr) progress()->watch(cancel);
  }
  ~BuildJob() override {
    if (sink_) sink_->release();
  }
  void execute() override { result_ = buildSerializedEngine(options_, progress()); }
  Napi::Value result(Napi::Env env) override {
    if (sink_) sink_->release();
    Napi::Object out = Napi::Object::New(env);
    out.Set("plan", Napi::Buffer<uint8_t>::Copy(env, result_.plan.data(), result_.plan.size()));
    out.Set("tensorrtVersion", result_.tensorrtVersion);
    out.Set("tensorrtVersionCode", result_.tensorrtVersionCode);
    out.Set("tensorrtBuild", result_.tensorrtBuild);
    Napi::Object gpu = Napi::Object::New(env);
    gpu.Set("name", result_.gpu.name);
    gpu.Set("computeCapability", std::to_string(result_.gpu.computeMajor) + "." + std::to_string(result_.gpu.computeMinor));
    gpu.Set("integrated", result_.gpu.integrated);
    gpu.Set("memoryBytes", static_cast<double>(result_.gpu.totalMemory));
    out.Set("gpu", gpu);
    out.Set("warnings", stringArray(env, result_.warnings));
    out.Set("calibrationCache", result_.calibrationCache);
    out.Set("timingCacheSaved", result_.timingCacheSaved);
    if (result_.fp16Pins.requested) {
      Napi::Object pins = Napi::Object::New(env);
      pins.Set("embeddingLayers", result_.fp16Pins.embeddingLayers);
      pins.Set("protoLayers", result_.fp16Pins.protoLayers);
      pins.Set("skipped", result_.fp16Pins.skipped);
      if (!result_.fp16Pins.note.empty()) pins.Set("note", result_.fp16Pins.note);
      out.Set("fp16Layers", pins);
    }
    return out;
  }

 private:
  ProgressSink* progress() { return sink_ ? static_cast<ProgressSink*>(sink_.get()) : silent_.get(); }
  BuildOptions options_;
  std::unique_ptr<JsProgressSink> sink_;
  std::unique_ptr<SilentSink> silent_;
  BuildResult result_;
};


}  // namespace

// buildEngine(options, onProgress?, cancel?) -> Promise<{ plan, tensorrtVersion, gpu, warnings, ... }>
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
    // cancel: an Int32Array over a SharedArrayBuffer that an AbortSignal listener sets to 1, seen by
    // the builder at its next step or calibration batch (progress callbacks arrive too late).
    const int32_t* cancel = nullptr;
    Napi::Value flag = info.Length() > 2 ? info[2] : env.Undefined();
    if (!flag.IsUndefined()) {
      napi_typedarray_type type = napi_uint8_array;
      size_t length = 0;
      void* data = nullptr;
      // napi_get_typedarray_info, not Napi::TypedArray::ArrayBuffer(): the buffer is shared
      // (SharedArrayBuffer), which node-addon-api's ArrayBuffer wrapper refuses.
      if (!flag.IsTypedArray() ||
          napi_get_typedarray_info(env, flag, &type, &length, &data, nullptr, nullptr) != napi_ok ||
          type != napi_int32_array || length < 1 || data == nullptr) {
        throwCoded(env, kErrInvalidOption, "Expected an Int32Array for cancel but received " + describe(flag));
      }
      cancel = static_cast<const int32_t*>(data);
    }
    auto job = std::make_unique<BuildJob>(std::move(options), std::move(sink), cancel);
    if (cancel != nullptr) job->pin(flag);
    return runJob(env, std::move(job), true);
  });
}

}  // namespace addon
}  // namespace yoloe

#endif  // YOLOE_WITH_TENSORRT
