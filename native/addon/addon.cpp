// The module entry point: registers every binding. TensorRT (native/addon/tensorrt_binding.*,
// owned by the TensorRT part) registers itself under `tensorrt` when its files are present.
#include <napi.h>

#include "bindings.h"

// CMake defines YOLOE_HAVE_TENSORRT_BINDING when it compiles tensorrt_binding.cpp.
#if __has_include("tensorrt_binding.h") && defined(YOLOE_HAVE_TENSORRT_BINDING)
#include "tensorrt_binding.h"
#define YOLOE_REGISTER_TENSORRT 1
#endif

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  using namespace yoloe::addon;
  RegisterLetterbox(env, exports);
  RegisterDecode(env, exports);
  RegisterMasks(env, exports);
  RegisterHistogram(env, exports);
  RegisterCapabilities(env, exports);
#if defined(YOLOE_REGISTER_TENSORRT)
  yoloe::addon::RegisterTensorRt(env, exports);
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(yoloe_trt, Init)
