// exports.tensorrt: the TensorRT backend's N-API surface (typed in binding-tensorrt.d.ts).
// Always registered: without TensorRT headers at build time, probe() says so and reports the
// library search, the header-free helpers work, and every engine call throws
// ERR_BACKEND_UNAVAILABLE.
#pragma once

#include <napi.h>

namespace yoloe {
namespace addon {

void RegisterTensorRt(Napi::Env env, Napi::Object exports);

}  // namespace addon
}  // namespace yoloe
