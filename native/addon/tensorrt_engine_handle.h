// The engine handle shared by tensorrt_engine_binding.cpp and tensorrt_infer_binding.cpp.
#pragma once

#include <napi.h>

#include <memory>

#include "tensorrt/runtime.h"

namespace yoloe {
namespace addon {

// The engine behind a handle from loadEngine(); ERR_INVALID_OPTION / ERR_DISPOSED otherwise.
std::shared_ptr<trt::Engine> engineArg(const Napi::CallbackInfo& info);

}  // namespace addon
}  // namespace yoloe
