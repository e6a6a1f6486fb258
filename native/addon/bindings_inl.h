#pragma once

#include <string>

#include "errors.h"
#include "job.h"

namespace yoloe {
namespace addon {

template <typename Factory>
void registerPair(Napi::Env env, Napi::Object exports, const char* name, Factory factory) {
  exports.Set(name, Napi::Function::New(
                        env,
                        [factory](const Napi::CallbackInfo& info) -> Napi::Value {
                          return guarded(info.Env(), [&] { return runJob(info.Env(), factory(info), false); });
                        },
                        name));
  const std::string asyncName = std::string(name) + "Async";
  exports.Set(asyncName, Napi::Function::New(
                             env,
                             [factory](const Napi::CallbackInfo& info) -> Napi::Value {
                               // validation errors throw synchronously; the wrappers turn them into rejections
                               return guarded(info.Env(), [&] { return runJob(info.Env(), factory(info), true); });
                             },
                             asyncName));
}

}  // namespace addon
}  // namespace yoloe
