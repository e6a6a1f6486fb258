#include "tensorrt_binding_values.h"

#if defined(YOLOE_WITH_TENSORRT)

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "job.h"
#include "tensorrt/engine_file.h"
#include "tensorrt/errors.h"
#include "tensorrt_engine_handle.h"

namespace yoloe {
namespace addon {

using namespace yoloe::trt;

namespace {

// Engine handles are type-tagged externals: a wrong object is a clear error, never a crash.
constexpr napi_type_tag kEngineTag = {0x79f1c0e7a2b44d10ULL, 0x9d3e5a7c1b2f8e64ULL};

struct EngineBox {
  std::shared_ptr<Engine> engine;
};

}  // namespace

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


namespace {

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
  LoadJob(std::string path, int64_t planOffset, const uint8_t* plan, size_t size, EngineOptions options)
      : path_(std::move(path)), planOffset_(planOffset), plan_(plan), size_(size), options_(options) {}
  void execute() override {
    if (!path_.empty()) {
      // lib/backends/engine-file.ts owns the header: it parsed it and passes the plan's offset;
      // without one (a direct call) the C++ twin finds it.
      const uint64_t offset = planOffset_ >= 0 ? static_cast<uint64_t>(planOffset_) : readEngineFileHeader(path_).planOffset;
      const std::vector<uint8_t> plan = readEnginePlan(path_, offset);
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
  int64_t planOffset_;
  const uint8_t* plan_;
  size_t size_;
  EngineOptions options_;
  std::shared_ptr<Engine> engine_;
};

}  // namespace

// loadEngine(pathOrPlan, { device, maxContexts, cudaGraphs, dlaCore, planOffset, hostCodeAllowed, profile }) -> Promise<handle>
Napi::Value LoadEngine(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    EngineOptions options;
    int64_t planOffset = -1;
    if (info.Length() > 1 && !info[1].IsUndefined()) {
      Napi::Object object = readObject(env, info[1], "loadEngine options");
      options.device = static_cast<int>(readInteger(env, object, "device", 0, 255, 0));
      options.maxContexts = static_cast<uint32_t>(readInteger(env, object, "maxContexts", 1, 64, 2));
      options.cudaGraphs = readBoolean(env, object, "cudaGraphs", true);
      options.dlaCore = static_cast<int>(readInteger(env, object, "dlaCore", -1, 15, -1));
      options.hostCodeAllowed = readBoolean(env, object, "hostCodeAllowed", false);
      options.profile = readBoolean(env, object, "profile", false);
      planOffset = readInteger(env, object, "planOffset", 0, int64_t{1} << 50, -1);
    }
    if (info.Length() > 0 && info[0].IsString()) {
      return runJob(env, std::make_unique<LoadJob>(info[0].As<Napi::String>().Utf8Value(), planOffset, nullptr, 0, options), true);
    }
    if (info.Length() == 0 || !info[0].IsTypedArray()) {
      throwCoded(env, kErrInvalidOption, "Expected an engine path or a Uint8Array plan but received " +
                                             describe(info.Length() ? info[0] : env.Undefined()));
    }
    Napi::TypedArray plan = info[0].As<Napi::TypedArray>();
    auto job = std::make_unique<LoadJob>("", -1, dataOf<uint8_t>(plan), plan.ByteLength(), options);
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
    statsOut.Set("contextFailures", stats.contextFailures);
    statsOut.Set("runs", static_cast<double>(stats.runs));
    statsOut.Set("graphReplays", static_cast<double>(stats.graphReplays));
    statsOut.Set("graphsDisabled", stats.graphsDisabled);
    if (stats.profiled) {
      Napi::Object phases = Napi::Object::New(env);
      phases.Set("runs", static_cast<double>(stats.phases.runs));
      phases.Set("upload", stats.phases.upload);
      phases.Set("letterbox", stats.phases.letterbox);
      phases.Set("enqueue", stats.phases.enqueue);
      phases.Set("compact", stats.phases.compact);
      phases.Set("download", stats.phases.download);
      statsOut.Set("phases", phases);
    }
    out.Set("stats", statsOut);
    return out;
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

}  // namespace addon
}  // namespace yoloe

#endif  // YOLOE_WITH_TENSORRT
