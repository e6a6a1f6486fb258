// JavaScript values <-> C++ for the TensorRT binding files: thin type and range checks that keep
// a wrong call from crashing the addon. The user-facing validation (messages, defaults) is
// lib/build-engine.ts' and lib/backends/tensorrt.ts': they own it; these only guard.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe {
namespace addon {

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& values);
Napi::Array numberArray(Napi::Env env, const std::vector<int64_t>& values);
std::string stringArg(const Napi::CallbackInfo& info, size_t index, const char* name);
std::string readString(Napi::Env env, Napi::Object object, const char* key, const std::string& dflt, bool required);
int64_t readInteger(Napi::Env env, Napi::Object object, const char* key, int64_t min, int64_t max, int64_t dflt);
// A finite number (NaN and infinities are refused).
double readFiniteNumber(Napi::Env env, Napi::Object object, const char* key, double dflt);
bool readBoolean(Napi::Env env, Napi::Object object, const char* key, bool dflt);
Napi::Object readObject(Napi::Env env, Napi::Value value, const std::string& what);
std::vector<int64_t> readDims(Napi::Env env, Napi::Value value, const std::string& what, int64_t min);

// The TensorRT entry points (tensorrt_build_binding.cpp, tensorrt_engine_binding.cpp,
// tensorrt_infer_binding.cpp), registered by RegisterTensorRt in builds with TensorRT headers.
Napi::Value BuildEngine(const Napi::CallbackInfo& info);
Napi::Value LoadEngine(const Napi::CallbackInfo& info);
Napi::Value EngineInfo(const Napi::CallbackInfo& info);
Napi::Value ReleaseEngine(const Napi::CallbackInfo& info);
Napi::Value Infer(const Napi::CallbackInfo& info);
Napi::Value InferImages(const Napi::CallbackInfo& info);

}  // namespace addon
}  // namespace yoloe
