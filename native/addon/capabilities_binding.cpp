// capabilities(): what this build of the addon holds and what the CUDA runtime (linked
// statically) sees. Never throws for a missing driver or GPU: that is reported.
#include "bindings.h"

#if defined(YOLOE_WITH_CUDA)
#include "cuda/runtime.h"
#endif

#ifndef YOLOE_PACKAGE_VERSION
#define YOLOE_PACKAGE_VERSION "0.0.0"
#endif

namespace yoloe {
namespace addon {

namespace {

Napi::Value cudaReport(Napi::Env env) {
  Napi::Object cuda = Napi::Object::New(env);
#if defined(YOLOE_WITH_CUDA)
  const cuda::CudaReport r = cuda::queryCuda();
  cuda.Set("compiled", true);
  cuda.Set("runtimeVersion", r.runtimeVersion);
  cuda.Set("driverVersion", r.driverVersion > 0 ? Napi::Value(Napi::Number::New(env, r.driverVersion)) : env.Null());
  Napi::Array devices = Napi::Array::New(env, r.devices.size());
  for (size_t i = 0; i < r.devices.size(); i++) {
    const cuda::DeviceInfo& d = r.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", d.name);
    o.Set("computeCapability", std::to_string(d.major) + "." + std::to_string(d.minor));
    o.Set("memoryBytes", static_cast<double>(d.memoryBytes));
    o.Set("integrated", d.integrated);
    devices.Set(static_cast<uint32_t>(i), o);
  }
  cuda.Set("devices", devices);
  if (!r.error.empty()) cuda.Set("error", r.error);
#else
  cuda.Set("compiled", false);
  cuda.Set("runtimeVersion", env.Null());
  cuda.Set("driverVersion", env.Null());
  cuda.Set("devices", Napi::Array::New(env, 0));
  cuda.Set("error", "CUDA support not compiled into this addon (no nvcc at build time)");
#endif
  return cuda;
}

Napi::Value capabilities(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = Napi::Object::New(env);
    Napi::Object addon = Napi::Object::New(env);
    addon.Set("version", YOLOE_PACKAGE_VERSION);
    addon.Set("napi", NAPI_VERSION);
    o.Set("addon", addon);
    o.Set("cuda", cudaReport(env));
    return o;
  });
}

}  // namespace

void RegisterCapabilities(Napi::Env env, Napi::Object exports) {
  exports.Set("capabilities", Napi::Function::New(env, capabilities, "capabilities"));
}

}  // namespace addon
}  // namespace yoloe
