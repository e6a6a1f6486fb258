#include "args.h"

#include <cmath>

#include "errors.h"

namespace yoloe {
namespace addon {

namespace {
const char* typedArrayName(napi_typedarray_type t) {
  switch (t) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
    default: return "TypedArray";
  }
}
}  // namespace

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsNumber()) {
    const double d = v.As<Napi::Number>().DoubleValue();
    if (std::isnan(d)) return "NaN";
    if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
  }
  if (v.IsString()) {
    std::string s = v.As<Napi::String>().Utf8Value();
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return "\"" + s + "\"";
  }
  if (v.IsTypedArray()) {
    const Napi::TypedArray a = v.As<Napi::TypedArray>();
    return std::string(typedArrayName(a.TypedArrayType())) + " of " + std::to_string(a.ByteLength()) + " bytes";
  }
  if (v.IsArray()) return "array of length " + std::to_string(v.As<Napi::Array>().Length());
  if (v.IsFunction()) return "a function";
  return "an object";
}

JobReader::JobReader(const Napi::CallbackInfo& info, const char* what) : env_(info.Env()), what_(what) {
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray()) {
    throwCoded(env_, "ERR_INVALID_OPTION",
               std::string("Expected an object for ") + what + " but received " + describe(info.Length() ? info[0] : env_.Undefined()));
  }
  obj_ = info[0].As<Napi::Object>();
}

Napi::Value JobReader::get(const char* key) const { return obj_.Get(key); }

bool JobReader::has(const char* key) const { return !get(key).IsUndefined(); }

void JobReader::invalid(const char* key, const std::string& expected, const Napi::Value& got) const {
  throwCoded(env_, "ERR_INVALID_OPTION", "Expected " + expected + " for " + key + " but received " + describe(got));
}

void JobReader::shape(const std::string& message) const { throwCoded(env_, "ERR_SHAPE", what_ + ": " + message); }

int64_t JobReader::integer(const char* key, int64_t min, int64_t max) const {
  const Napi::Value v = get(key);
  const std::string expected = "an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!v.IsNumber()) invalid(key, expected, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  // the range check happens in double first, so 1e300 or NaN never reaches an integer cast
  if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || std::floor(d) != d) invalid(key, expected, v);
  return static_cast<int64_t>(d);
}

int64_t JobReader::integer(const char* key, int64_t min, int64_t max, int64_t dflt) const {
  return has(key) ? integer(key, min, max) : dflt;
}

double JobReader::number(const char* key, double min, double max) const {
  const Napi::Value v = get(key);
  char buf[128];
  std::snprintf(buf, sizeof buf, "a number between %g and %g", min, max);
  if (!v.IsNumber()) invalid(key, buf, v);
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!(d >= min && d <= max)) invalid(key, buf, v);
  return d;
}

double JobReader::number(const char* key, double min, double max, double dflt) const { return has(key) ? number(key, min, max) : dflt; }

bool JobReader::boolean(const char* key, bool dflt) const {
  const Napi::Value v = get(key);
  if (v.IsUndefined()) return dflt;
  if (!v.IsBoolean()) invalid(key, "a boolean", v);
  return v.As<Napi::Boolean>().Value();
}

std::string JobReader::oneOf(const char* key, const std::vector<std::string>& allowed, const std::string& dflt) const {
  const Napi::Value v = get(key);
  if (v.IsUndefined()) return dflt;
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "one of '" : ", '") + a + "'";
  if (!v.IsString()) invalid(key, list, v);
  const std::string s = v.As<Napi::String>().Utf8Value();
  for (const auto& a : allowed)
    if (a == s) return s;
  invalid(key, list, v);
}

Napi::Object JobReader::child(const char* key) const {
  const Napi::Value v = get(key);
  if (!v.IsObject() || v.IsArray()) invalid(key, "an object", v);
  return v.As<Napi::Object>();
}

Napi::TypedArray JobReader::typedArray(const char* key, napi_typedarray_type type, const char* typeName) const {
  return typedArrayOf(key, {type}, typeName);
}

Napi::TypedArray JobReader::typedArrayOf(const char* key, const std::vector<napi_typedarray_type>& types, const char* typeNames) const {
  const Napi::Value v = get(key);
  if (!v.IsTypedArray()) invalid(key, std::string("a ") + typeNames, v);
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  for (napi_typedarray_type t : types)
    if (a.TypedArrayType() == t) {
      if (a.ElementLength() > 0 && a.ArrayBuffer().Data() == nullptr) invalid(key, std::string("an attached ") + typeNames, v);
      return a;
    }
  invalid(key, std::string("a ") + typeNames, v);
}

std::vector<int64_t> JobReader::integerList(const char* key, int64_t min, int64_t max) const {
  const Napi::Value v = get(key);
  const std::string expected = "an array of integers between " + std::to_string(min) + " and " + std::to_string(max);
  std::vector<int64_t> out;
  if (v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    const Napi::TypedArray a = v.As<Napi::TypedArray>();
    const int32_t* p = dataOf<int32_t>(a);
    for (size_t i = 0; i < a.ElementLength(); i++) {
      if (p[i] < min || p[i] > max) invalid(key, expected, v);
      out.push_back(p[i]);
    }
    return out;
  }
  if (!v.IsArray()) invalid(key, expected, v);
  const Napi::Array arr = v.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) {
    const Napi::Value e = arr.Get(i);
    if (!e.IsNumber()) invalid(key, expected, v);
    const double d = e.As<Napi::Number>().DoubleValue();
    if (!(d >= static_cast<double>(min) && d <= static_cast<double>(max)) || std::floor(d) != d) invalid(key, expected, v);
    out.push_back(static_cast<int64_t>(d));
  }
  return out;
}

}  // namespace addon
}  // namespace yoloe
