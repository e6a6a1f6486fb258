#include "tensorrt_binding.h"

#include <atomic>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "job.h"
#include "tensorrt_binding_values.h"
#include "tensorrt/calibration_cache.h"
#include "tensorrt/calibration_data.h"
#include "tensorrt/engine_file.h"
#include "tensorrt/errors.h"
#include "tensorrt/library_open.h"
#include "tensorrt/loader_paths.h"

#if defined(YOLOE_WITH_TENSORRT)
#include "tensorrt/library_info.h"
#include "tensorrt/runtime.h"
#endif

namespace yoloe {
namespace addon {

namespace {

using namespace yoloe::trt;

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
      result.Set("build", loaded.build);
      // Running engines needs libnvinfer; building also its builder resource library.
      const std::string noBuilder = builderUnavailableReason();
      result.Set("buildable", noBuilder.empty());
      if (!noBuilder.empty()) result.Set("buildError", noBuilder);
    } catch (const BackendError& error) {
      result.Set("found", false);
      result.Set("usable", false);
      result.Set("buildable", false);
      result.Set("reason", "TensorRT library not loadable");
      result.Set("error", error.what());
    }
#else
    result.Set("compiled", false);
    result.Set("usable", false);
    result.Set("reason", "built without TensorRT headers");
    result.Set("buildable", false);
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
