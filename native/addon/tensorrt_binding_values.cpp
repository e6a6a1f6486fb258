#include "tensorrt_binding_values.h"

#include <cmath>

#include "args.h"
#include "errors.h"
#include "tensorrt/errors.h"

namespace yoloe {
namespace addon {

using trt::kErrInvalidOption;


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

double readFiniteNumber(Napi::Env env, Napi::Object object, const char* key, double dflt) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined()) return dflt;
  if (!value.IsNumber() || !std::isfinite(value.As<Napi::Number>().DoubleValue())) {
    throwCoded(env, kErrInvalidOption, std::string("Expected a finite number for ") + key + " but received " + describe(value));
  }
  return value.As<Napi::Number>().DoubleValue();
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

}  // namespace addon
}  // namespace yoloe
