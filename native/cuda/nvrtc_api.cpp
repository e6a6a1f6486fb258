// libnvrtc found and resolved once at run time (see nvrtc_api.h).
#include "nvrtc_api.h"

#include <dlfcn.h>  // dlinfo: _GNU_SOURCE, defined by g++
#include <glob.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>

#include "driver_api.h"

namespace yoloe::cuda {
namespace {

// NVRTC majors this code can drive (nvrtcGetCUBIN and nvrtcGetSupportedArchs: 11.2+).
constexpr int kNewestNvrtcMajor = 13;
constexpr int kOldestNvrtcMajor = 11;

bool isDirectory(const std::string& p) {
  struct stat st {};
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

template <typename Fn>
void resolve(void* lib, Fn& member, const char* symbol, std::string& missing) {
  member = reinterpret_cast<Fn>(dlsym(lib, symbol));
  if (member == nullptr) missing += missing.empty() ? symbol : std::string(", ") + symbol;
}

// Every entry point, or the names that are missing.
std::string resolveAll(void* lib, NvrtcApi& t) {
  std::string missing;
  resolve(lib, t.nvrtcGetErrorString, "nvrtcGetErrorString", missing);
  resolve(lib, t.nvrtcVersion, "nvrtcVersion", missing);
  resolve(lib, t.nvrtcGetNumSupportedArchs, "nvrtcGetNumSupportedArchs", missing);
  resolve(lib, t.nvrtcGetSupportedArchs, "nvrtcGetSupportedArchs", missing);
  resolve(lib, t.nvrtcCreateProgram, "nvrtcCreateProgram", missing);
  resolve(lib, t.nvrtcDestroyProgram, "nvrtcDestroyProgram", missing);
  resolve(lib, t.nvrtcCompileProgram, "nvrtcCompileProgram", missing);
  resolve(lib, t.nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize", missing);
  resolve(lib, t.nvrtcGetProgramLog, "nvrtcGetProgramLog", missing);
  resolve(lib, t.nvrtcGetPTXSize, "nvrtcGetPTXSize", missing);
  resolve(lib, t.nvrtcGetPTX, "nvrtcGetPTX", missing);
  resolve(lib, t.nvrtcGetCUBINSize, "nvrtcGetCUBINSize", missing);
  resolve(lib, t.nvrtcGetCUBIN, "nvrtcGetCUBIN", missing);
  return missing;
}

// Fills version and architectures from a resolved table; false (with error) when they fail.
bool describe(NvrtcLibrary& out) {
  const NvrtcApi& t = *out.api;
  if (t.nvrtcVersion(&out.major, &out.minor) != 0) {
    out.error = "nvrtcVersion failed";
    return false;
  }
  int count = 0;
  if (t.nvrtcGetNumSupportedArchs(&count) != 0 || count <= 0) {
    out.error = "nvrtcGetNumSupportedArchs failed";
    return false;
  }
  out.archs.assign(static_cast<size_t>(count), 0);
  if (t.nvrtcGetSupportedArchs(out.archs.data()) != 0) {
    out.error = "nvrtcGetSupportedArchs failed";
    return false;
  }
  return true;
}

// libnvrtc dlopens libnvrtc-builtins.so.<major>.<minor> by bare name when it compiles, which
// fails when libnvrtc itself was found through a path (YOLOE_TRT_NVRTC, a pip wheel's folder)
// rather than the loader's search. Loading it first from libnvrtc's own folder satisfies that
// later dlopen (the loader matches the library already loaded by its soname).
void preloadBuiltins(void* lib, const NvrtcLibrary& found) {
  char origin[4096] = {0};
  if (dlinfo(lib, RTLD_DI_ORIGIN, origin) != 0 || origin[0] == '\0') return;
  const std::string builtins = std::string(origin) + "/libnvrtc-builtins.so." + std::to_string(found.major) + "." +
                               std::to_string(found.minor);
  dlopen(builtins.c_str(), RTLD_NOW | RTLD_GLOBAL);  // absent: NVRTC's own search decides, and reports it
}

int driverMajor() {
  const DriverApi& d = driverApi();
  int v = 0;
  if (d.cuDriverGetVersion == nullptr || d.cuDriverGetVersion(&v) != kCudaSuccess) return 0;
  return v / 1000;
}

NvrtcLibrary searchNvrtc() {
  NvrtcLibrary out;
  static NvrtcApi table{};  // the library is never unloaded, nor is its table
  std::string tried;
  for (const std::string& candidate : nvrtcCandidates(driverMajor())) {
    void* lib = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      tried += "\n  " + candidate;
      continue;
    }
    NvrtcApi t{};
    const std::string missing = resolveAll(lib, t);
    if (!missing.empty()) {
      tried += "\n  " + candidate + " (lacks " + missing + ": NVRTC older than 11.2)";
      continue;  // left loaded: unloading a half-used library buys nothing
    }
    table = t;
    out.api = &table;
    out.path = candidate;
    if (!describe(out)) {
      out.api = nullptr;
      tried += "\n  " + candidate + " (" + out.error + ")";
      continue;
    }
    preloadBuiltins(lib, out);
    out.error.clear();
    return out;
  }
  out.error = "NVRTC (libnvrtc.so.13/12/11, the CUDA run-time compiler) not found; tried:" + tried;
  return out;
}

std::atomic<const NvrtcLibrary*> installed{nullptr};

}  // namespace

namespace {

// Where `pip install nvidia-cuda-nvrtc` puts it: nvidia/cu13/lib (13.x wheels) or
// nvidia/cuda_nvrtc/lib (12.x) under a virtualenv, the user's or the system's site-packages.
std::vector<std::string> wheelFolders() {
  std::vector<std::string> patterns;
  if (const char* venv = std::getenv("VIRTUAL_ENV"); venv != nullptr && *venv == '/') {
    patterns.push_back(std::string(venv) + "/lib/python3*/site-packages/nvidia");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr && *home == '/') {
    patterns.push_back(std::string(home) + "/.local/lib/python3*/site-packages/nvidia");
  }
  patterns.push_back("/usr/local/lib/python3*/dist-packages/nvidia");
  patterns.push_back("/usr/lib/python3/dist-packages/nvidia");
  std::vector<std::string> out;
  for (const std::string& base : patterns) {
    for (const char* sub : {"/cu1[0-9]/lib", "/cuda_nvrtc/lib"}) {
      glob_t g{};
      if (glob((base + sub).c_str(), 0, nullptr, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) out.push_back(g.gl_pathv[i]);
      }
      globfree(&g);
    }
  }
  return out;
}

}  // namespace

std::vector<std::string> nvrtcCandidates(int driverMajorVersion) {
  std::vector<std::string> out;
  if (const char* env = std::getenv("YOLOE_TRT_NVRTC"); env != nullptr && *env != '\0') {
    const std::string v = env;
    if (!isDirectory(v)) {
      out.push_back(v);
    } else {
      for (int m = kNewestNvrtcMajor; m >= kOldestNvrtcMajor; m--) out.push_back(v + "/libnvrtc.so." + std::to_string(m));
    }
  }
  const int newest = driverMajorVersion > 0 && driverMajorVersion < kNewestNvrtcMajor ? driverMajorVersion : kNewestNvrtcMajor;
  const char* folders[] = {"/usr/local/cuda/lib64", "/usr/local/cuda/targets/aarch64-linux/lib",
                           "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/aarch64-linux-gnu",
                           "/usr/lib/x86_64-linux-gnu"};
  const std::vector<std::string> wheels = wheelFolders();
  for (int m = newest; m >= kOldestNvrtcMajor; m--) {
    const std::string name = "libnvrtc.so." + std::to_string(m);
    out.push_back(name);  // LD_LIBRARY_PATH, RUNPATH, ldconfig's cache
    for (const char* f : folders) out.push_back(std::string(f) + "/" + name);
    for (const std::string& f : wheels) out.push_back(f + "/" + name);
  }
  return out;
}

const NvrtcLibrary& nvrtcLibrary() {
  if (const NvrtcLibrary* t = installed.load(std::memory_order_acquire)) return *t;
  static const NvrtcLibrary found = searchNvrtc();  // thread-safe one-time search
  return found;
}

void installNvrtcForTesting(const NvrtcLibrary* library) { installed.store(library, std::memory_order_release); }

}  // namespace yoloe::cuda
