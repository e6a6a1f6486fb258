#include "errors.h"

namespace yoloe {
namespace addon {

Napi::Error codedError(Napi::Env env, const char* code, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("yoloeNative", Napi::Boolean::New(env, true));
  return e;
}

void throwCoded(Napi::Env env, const char* code, const std::string& message) { throw codedError(env, code, message); }

}  // namespace addon
}  // namespace yoloe
