// Each binding file registers its functions on the addon's exports (sync + Async variants).
#pragma once

#include <napi.h>

namespace yoloe {
namespace addon {

void RegisterLetterbox(Napi::Env env, Napi::Object exports);
void RegisterDecode(Napi::Env env, Napi::Object exports);  // scanCandidates, nms
void RegisterMasks(Napi::Env env, Napi::Object exports);
void RegisterHistogram(Napi::Env env, Napi::Object exports);
void RegisterCapabilities(Napi::Env env, Napi::Object exports);

// Registers `name` (sync) and `name + "Async"` (promise) from one job factory.
template <typename Factory>
void registerPair(Napi::Env env, Napi::Object exports, const char* name, Factory factory);

}  // namespace addon
}  // namespace yoloe

#include "bindings_inl.h"
