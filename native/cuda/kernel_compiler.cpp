// NVRTC compilation of the embedded kernel source (see kernel_compiler.h).
#include "kernel_compiler.h"

#include "kernel_cache.h"
#include "kernel_source.h"

namespace yoloe::cuda {
namespace {

std::string joined(const std::vector<std::string>& options) {
  std::string out;
  for (const std::string& o : options) out += (out.empty() ? "" : " ") + o;
  return out;
}

std::string nvrtcError(const NvrtcApi& t, nvrtcResult r, const char* what) {
  const char* text = t.nvrtcGetErrorString != nullptr ? t.nvrtcGetErrorString(r) : nullptr;
  return std::string(what) + " failed: " + (text != nullptr ? text : "NVRTC error " + std::to_string(r));
}

KernelCacheKey cacheKey(const NvrtcLibrary& nvrtc, const KernelTarget& target) {
  KernelCacheKey k;
  k.target = target.name;
  k.nvrtcMajor = nvrtc.major;
  k.nvrtcMinor = nvrtc.minor;
  k.options = joined(kernelCompileOptions(target));
  k.sourceDigest = kKernelSourceDigest;
  return k;
}

}  // namespace

KernelTarget chooseKernelTarget(int ccMajor, int ccMinor, const NvrtcLibrary& nvrtc) {
  KernelTarget t;
  const int arch = ccMajor * 10 + ccMinor;
  const std::string version = std::to_string(nvrtc.major) + "." + std::to_string(nvrtc.minor);
  if (nvrtc.archs.empty()) {
    t.error = "NVRTC " + version + " lists no architectures";
    return t;
  }
  for (int a : nvrtc.archs) {
    if (a == arch) {
      t.name = "sm_" + std::to_string(arch);
      t.cubin = true;
      return t;
    }
  }
  const int newest = nvrtc.archs.back();
  if (arch > newest) {
    t.name = "compute_" + std::to_string(newest);
    return t;
  }
  t.error = "NVRTC " + version + " cannot compile for sm_" + std::to_string(arch) + " (it targets sm_" +
            std::to_string(nvrtc.archs.front()) + " to sm_" + std::to_string(newest) + ")" +
            (arch < nvrtc.archs.front() ? ": install an older NVRTC (CUDA 12.x supports sm_72 and newer)" : "");
  return t;
}

std::vector<std::string> kernelCompileOptions(const KernelTarget& target) {
  return {"--gpu-architecture=" + target.name, "--std=c++17", "--fmad=false"};
}

CompiledKernels compileKernelSource(const NvrtcLibrary& nvrtc, const KernelTarget& target) {
  CompiledKernels out;
  if (nvrtc.api == nullptr) {
    out.error = nvrtc.error;
    return out;
  }
  if (!target.error.empty()) {
    out.error = target.error;
    return out;
  }
  const NvrtcApi& t = *nvrtc.api;
  nvrtcProgram program = nullptr;
  nvrtcResult r = t.nvrtcCreateProgram(&program, kKernelSource, "yoloe_kernels.cu", 0, nullptr, nullptr);
  if (r != 0) {
    out.error = nvrtcError(t, r, "nvrtcCreateProgram");
    return out;
  }
  const std::vector<std::string> options = kernelCompileOptions(target);
  std::vector<const char*> argv;
  for (const std::string& o : options) argv.push_back(o.c_str());
  r = t.nvrtcCompileProgram(program, static_cast<int>(argv.size()), argv.data());
  if (r != 0) {
    size_t logSize = 0;
    std::string log;
    if (t.nvrtcGetProgramLogSize(program, &logSize) == 0 && logSize > 1) {
      log.resize(logSize);
      t.nvrtcGetProgramLog(program, &log[0]);
      log.resize(logSize - 1);
    }
    out.error = nvrtcError(t, r, ("nvrtcCompileProgram (" + joined(options) + ")").c_str()) + (log.empty() ? "" : ":\n" + log);
  } else {
    size_t size = 0;
    r = target.cubin ? t.nvrtcGetCUBINSize(program, &size) : t.nvrtcGetPTXSize(program, &size);
    if (r == 0 && size > 0) {
      out.image.resize(size);
      r = target.cubin ? t.nvrtcGetCUBIN(program, out.image.data()) : t.nvrtcGetPTX(program, out.image.data());
    }
    if (r != 0 || size == 0) {
      out.image.clear();
      out.error = nvrtcError(t, r, target.cubin ? "nvrtcGetCUBIN" : "nvrtcGetPTX");
    }
  }
  t.nvrtcDestroyProgram(&program);
  return out;
}

CompiledKernels cachedKernels(const NvrtcLibrary& nvrtc, const KernelTarget& target, const std::string& cacheDir,
                              bool refresh) {
  if (nvrtc.api == nullptr || !target.error.empty()) return compileKernelSource(nvrtc, target);
  const KernelCacheKey key = cacheKey(nvrtc, target);
  CompiledKernels out;
  if (!refresh && readCachedKernels(cacheDir, key, &out.image)) {
    out.fromCache = true;
    return out;
  }
  out = compileKernelSource(nvrtc, target);
  if (out.error.empty()) out.cacheNote = writeCachedKernels(cacheDir, key, out.image);
  return out;
}

}  // namespace yoloe::cuda
