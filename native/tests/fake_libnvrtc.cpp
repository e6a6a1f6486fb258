// A stand-in libnvrtc.so.12 for the TensorRT contract double (found through YOLOE_TRT_NVRTC): it
// "compiles" the embedded kernel source into a text image naming the target and a digest of the
// source, which the fake libcuda.so.1 accepts when it emulates kernels (YOLOE_FAKE_KERNELS=1,
// fake_libcuda.cpp). Version 12.6 with JetPack 6's / CUDA 12's architectures. Every compile is
// recorded in the fakes' log (fake_log.h) with its options; YOLOE_FAKE_FAIL=nvrtc-compile fails it.
#include <cstring>
#include <functional>
#include <string>

#include "fake_log.h"

#define FAKE_API extern "C" __attribute__((visibility("default")))

struct _nvrtcProgram {
  std::string source;
  std::string target;
};
using nvrtcProgram = _nvrtcProgram*;

namespace {

const int kArchs[] = {50, 52, 53, 60, 61, 62, 70, 72, 75, 80, 86, 87, 89, 90};

std::string imageOf(nvrtcProgram p) {
  return "FAKE IMAGE " + p->target + " " + std::to_string(std::hash<std::string>{}(p->source));
}

}  // namespace

FAKE_API const char* nvrtcGetErrorString(int result) { return result == 0 ? "NVRTC_SUCCESS" : "NVRTC_ERROR_COMPILATION"; }
FAKE_API int nvrtcVersion(int* major, int* minor) {
  *major = 12;
  *minor = 6;
  return 0;
}
FAKE_API int nvrtcGetNumSupportedArchs(int* count) {
  *count = static_cast<int>(sizeof(kArchs) / sizeof(kArchs[0]));
  return 0;
}
FAKE_API int nvrtcGetSupportedArchs(int* archs) {
  std::memcpy(archs, kArchs, sizeof(kArchs));
  return 0;
}
FAKE_API int nvrtcCreateProgram(nvrtcProgram* program, const char* source, const char*, int, const char* const*, const char* const*) {
  if (program == nullptr || source == nullptr) return 4;  // NVRTC_ERROR_INVALID_INPUT
  *program = new _nvrtcProgram{source, ""};
  return 0;
}
FAKE_API int nvrtcDestroyProgram(nvrtcProgram* program) {
  delete *program;
  *program = nullptr;
  return 0;
}
FAKE_API int nvrtcCompileProgram(nvrtcProgram program, int count, const char* const* options) {
  std::string text;
  for (int i = 0; i < count; ++i) {
    const std::string option = options[i];
    text += " " + option;
    if (option.rfind("--gpu-architecture=", 0) == 0) program->target = option.substr(19);
  }
  yoloe_fake::call("nvrtcCompileProgram" + text);
  return yoloe_fake::failing("nvrtc-compile") ? 6 : 0;  // NVRTC_ERROR_COMPILATION
}
FAKE_API int nvrtcGetProgramLogSize(nvrtcProgram, size_t* size) {
  *size = 11;
  return 0;
}
FAKE_API int nvrtcGetProgramLog(nvrtcProgram, char* log) {
  std::memcpy(log, "fake error", 11);
  return 0;
}
FAKE_API int nvrtcGetCUBINSize(nvrtcProgram program, size_t* size) {
  *size = imageOf(program).size() + 1;
  return 0;
}
FAKE_API int nvrtcGetCUBIN(nvrtcProgram program, char* out) {
  const std::string image = imageOf(program);
  std::memcpy(out, image.c_str(), image.size() + 1);
  return 0;
}
FAKE_API int nvrtcGetPTXSize(nvrtcProgram program, size_t* size) { return nvrtcGetCUBINSize(program, size); }
FAKE_API int nvrtcGetPTX(nvrtcProgram program, char* out) { return nvrtcGetCUBIN(program, out); }
