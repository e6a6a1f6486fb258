// capabilities(): what this build of the addon holds and what the NVIDIA driver (loaded at run
// time) and NVRTC let it do. Never throws for a missing driver, GPU or NVRTC: that is reported.
#include "bindings.h"

#if defined(YOLOE_WITH_CUDA)
#include "cuda/kernel_cache.h"
#include "cuda/kernel_compiler.h"
#include "cuda/nvrtc_api.h"
#include "cuda/runtime.h"
#endif

#ifndef YOLOE_PACKAGE_VERSION
#define YOLOE_PACKAGE_VERSION "0.0.0"
#endif

namespace yoloe {
namespace addon {

namespace {

#if defined(YOLOE_WITH_CUDA)
// NVRTC and, for each device, what the kernels would be compiled for (nothing is compiled here).
Napi::Object nvrtcReport(Napi::Env env, const cuda::CudaReport& r) {
  const cuda::NvrtcLibrary& n = cuda::nvrtcLibrary();
  Napi::Object o = Napi::Object::New(env);
  o.Set("found", n.api != nullptr);
  if (n.api != nullptr) {
    o.Set("version", std::to_string(n.major) + "." + std::to_string(n.minor));
    o.Set("library", n.path);
    Napi::Array archs = Napi::Array::New(env, n.archs.size());
    for (size_t i = 0; i < n.archs.size(); i++) archs.Set(static_cast<uint32_t>(i), n.archs[i]);
    o.Set("architectures", archs);
  } else {
    o.Set("error", n.error);
  }
  Napi::Array targets = Napi::Array::New(env, r.devices.size());
  for (size_t i = 0; i < r.devices.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    if (n.api != nullptr) {
      const cuda::KernelTarget k = cuda::chooseKernelTarget(r.devices[i].major, r.devices[i].minor, n);
      if (k.error.empty()) {
        t.Set("target", k.name);
      } else {
        t.Set("error", k.error);
      }
    } else {
      t.Set("error", "no NVRTC");
    }
    targets.Set(static_cast<uint32_t>(i), t);
  }
  o.Set("deviceTargets", targets);
  const std::string dir = cuda::kernelCacheDir();
  o.Set("cacheDir", dir.empty() ? env.Null() : Napi::Value(Napi::String::New(env, dir)));
  return o;
}
#endif

Napi::Value cudaReport(Napi::Env env) {
  Napi::Object cuda = Napi::Object::New(env);
#if defined(YOLOE_WITH_CUDA)
  const cuda::CudaReport r = cuda::queryCuda();
  cuda.Set("compiled", true);
  cuda.Set("state", r.state);
  cuda.Set("runtimeVersion", env.Null());  // no CUDA runtime is linked: the driver API is used directly
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
  cuda.Set("nvrtc", nvrtcReport(env, r));
#else
  cuda.Set("compiled", false);
  cuda.Set("state", "not-compiled");
  cuda.Set("runtimeVersion", env.Null());
  cuda.Set("driverVersion", env.Null());
  cuda.Set("devices", Napi::Array::New(env, 0));
  cuda.Set("error", "CUDA support not compiled into this addon (built with -DYOLOE_WITH_CUDA=OFF)");
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
