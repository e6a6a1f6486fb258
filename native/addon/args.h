// Reading one validated job object from JavaScript. Every size and index is checked here, in
// C++, whatever the TS wrapper already checked: a wrong type or range is ERR_INVALID_OPTION,
// a length that does not match the declared shape is ERR_SHAPE (products checked in 64 bits).
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe {
namespace addon {

class JobReader {
 public:
  JobReader(const Napi::CallbackInfo& info, const char* what);

  Napi::Env env() const { return env_; }
  Napi::Object object() const { return obj_; }

  bool has(const char* key) const;
  int64_t integer(const char* key, int64_t min, int64_t max) const;
  int64_t integer(const char* key, int64_t min, int64_t max, int64_t dflt) const;
  double number(const char* key, double min, double max) const;
  double number(const char* key, double min, double max, double dflt) const;
  bool boolean(const char* key, bool dflt) const;
  std::string oneOf(const char* key, const std::vector<std::string>& allowed, const std::string& dflt) const;
  Napi::Object child(const char* key) const;

  // A typed array of exactly this element type; `minLength` elements at least.
  Napi::TypedArray typedArray(const char* key, napi_typedarray_type type, const char* typeName) const;
  Napi::TypedArray typedArrayOf(const char* key, const std::vector<napi_typedarray_type>& types, const char* typeNames) const;
  // Integers from an array or Int32Array (class ids), each in [min, max].
  std::vector<int64_t> integerList(const char* key, int64_t min, int64_t max) const;

  [[noreturn]] void invalid(const char* key, const std::string& expected, const Napi::Value& got) const;
  [[noreturn]] void shape(const std::string& message) const;

 private:
  Napi::Value get(const char* key) const;
  Napi::Env env_;
  Napi::Object obj_;
  std::string what_;
};

// Describes a JS value for an error message (mirrors lib/errors.ts describeValue, shortly).
std::string describe(const Napi::Value& v);

// Element count of a typed array as a 64-bit number.
inline uint64_t lengthOf(const Napi::TypedArray& a) { return static_cast<uint64_t>(a.ElementLength()); }

template <typename T>
T* dataOf(const Napi::TypedArray& a) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(a.ArrayBuffer().Data()) + a.ByteOffset());
}

}  // namespace addon
}  // namespace yoloe
