// The on-disk kernel cache: folder choice, keys, atomic writes, damaged files, and the
// compile-once behaviour of cachedKernels through the fake NVRTC.
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "cuda/kernel_cache.h"
#include "cuda/kernel_compiler.h"
#include "cuda/nvrtc_api.h"
#include "cuda_tests.h"
#include "fake_cuda.h"
#include "harness.h"

namespace yoloe_test {

using namespace yoloe::cuda;

namespace {

std::vector<std::string> listDir(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') out.push_back(e->d_name);
    }
    closedir(d);
  }
  return out;
}

std::string tempDir() {
  char tmpl[] = "/tmp/yoloe-kernel-cache-XXXXXX";
  const char* d = mkdtemp(tmpl);
  return d ? d : "";
}

void setEnv(const char* name, const char* value) {
  if (value) {
    setenv(name, value, 1);
  } else {
    unsetenv(name);
  }
}

void cacheFolder() {
  const char* saved[3] = {std::getenv("YOLOE_TRT_KERNEL_CACHE"), std::getenv("XDG_CACHE_HOME"), std::getenv("HOME")};
  const std::string keep[3] = {saved[0] ? saved[0] : "", saved[1] ? saved[1] : "", saved[2] ? saved[2] : ""};
  setEnv("YOLOE_TRT_KERNEL_CACHE", "/x/kc");
  setEnv("XDG_CACHE_HOME", "/x/xdg");
  CHECK(kernelCacheDir() == "/x/kc", "YOLOE_TRT_KERNEL_CACHE wins (%s)", kernelCacheDir().c_str());
  setEnv("YOLOE_TRT_KERNEL_CACHE", "off");
  CHECK(kernelCacheDir().empty(), "YOLOE_TRT_KERNEL_CACHE=off disables the cache");
  setEnv("YOLOE_TRT_KERNEL_CACHE", nullptr);
  CHECK(kernelCacheDir() == "/x/xdg/yoloe-trt/kernels", "then $XDG_CACHE_HOME (%s)", kernelCacheDir().c_str());
  setEnv("XDG_CACHE_HOME", nullptr);
  setEnv("HOME", "/home/u");
  CHECK(kernelCacheDir() == "/home/u/.cache/yoloe-trt/kernels", "then ~/.cache (%s)", kernelCacheDir().c_str());
  setEnv("YOLOE_TRT_KERNEL_CACHE", saved[0] ? keep[0].c_str() : nullptr);
  setEnv("XDG_CACHE_HOME", saved[1] ? keep[1].c_str() : nullptr);
  setEnv("HOME", saved[2] ? keep[2].c_str() : nullptr);
}

void cacheKeys() {
  KernelCacheKey k{"sm_87", 12, 6, "--gpu-architecture=sm_87 --fmad=false", "abc"};
  const std::string base = kernelCacheFileName(k);
  CHECK(base.rfind("yoloe-kernels-sm_87-nvrtc12.6-", 0) == 0 && base.size() == std::string("yoloe-kernels-sm_87-nvrtc12.6-").size() + 16 + 4,
        "file name names target and NVRTC version (%s)", base.c_str());
  KernelCacheKey a = k;
  a.target = "sm_86";
  KernelCacheKey b = k;
  b.nvrtcMinor = 8;
  KernelCacheKey c = k;
  c.options += " -G";
  KernelCacheKey d = k;
  d.sourceDigest = "abd";
  CHECK(kernelCacheFileName(a) != base && kernelCacheFileName(b) != base && kernelCacheFileName(c) != base &&
            kernelCacheFileName(d) != base,
        "every key part changes the file");
  CHECK(kernelCacheFileName(c).rfind("yoloe-kernels-sm_87-nvrtc12.6-", 0) == 0 && kernelCacheFileName(c) != base,
        "options and source are in the hash part");
}

void atomicWrites() {
  const std::string root = tempDir();
  const std::string dir = root + "/nested/kernels";
  KernelCacheKey k{"sm_87", 12, 6, "opts", "digest"};
  std::vector<char> image(100000);
  for (size_t i = 0; i < image.size(); i++) image[i] = static_cast<char>(i * 7 + 3);
  CHECK(writeCachedKernels(dir, k, image).empty(), "write into a new nested folder");
  std::vector<char> back;
  CHECK(readCachedKernels(dir, k, &back) && back == image, "reads back what was written");
  const auto files = listDir(dir);
  CHECK(files.size() == 1 && files[0] == kernelCacheFileName(k), "only the final file is left (no temporary files): %zu files",
        files.size());
  KernelCacheKey other = k;
  other.nvrtcMinor = 8;
  CHECK(!readCachedKernels(dir, other, &back), "another key does not read this file");
  const std::string path = dir + "/" + kernelCacheFileName(k);
  // a damaged byte, then a truncated file: both refused
  if (FILE* f = std::fopen(path.c_str(), "r+b")) {
    std::fseek(f, 5000, SEEK_SET);
    std::fputc(0x55 ^ image[5000 - 24], f);
    std::fclose(f);
  }
  CHECK(!readCachedKernels(dir, k, &back), "a damaged file is refused");
  CHECK(writeCachedKernels(dir, k, image).empty() && readCachedKernels(dir, k, &back) && back == image, "rewrite replaces it");
  CHECK(truncate(path.c_str(), 24 + 500) == 0 && !readCachedKernels(dir, k, &back), "a truncated file is refused");
  // a folder that cannot be made: an error message, no exception
  const std::string blocked = path + "/sub";  // path is a file
  const std::string why = writeCachedKernels(blocked, k, image);
  CHECK(!why.empty() && why.find(blocked) != std::string::npos, "an impossible folder is reported (%s)", why.c_str());
  CHECK(writeCachedKernels("", k, image) == "kernel cache disabled", "no folder: disabled");
  std::system(("rm -rf '" + root + "'").c_str());
}

void compileOnceThroughCache() {
  installFakeCuda();
  const std::string dir = tempDir();
  const NvrtcLibrary& nvrtc = fakeNvrtcLibrary();
  const KernelTarget target = chooseKernelTarget(8, 7, nvrtc);
  CHECK(target.name == "sm_87" && target.cubin, "sm_87 listed: a cubin for it");
  CompiledKernels first = cachedKernels(nvrtc, target, dir);
  CHECK(first.error.empty() && !first.fromCache && fakeCuda().compiles.size() == 1 && first.cacheNote.empty(),
        "first use compiles and writes the cache (%s)", first.cacheNote.c_str());
  CompiledKernels second = cachedKernels(nvrtc, target, dir);
  CHECK(second.fromCache && second.image == first.image && fakeCuda().compiles.size() == 1, "second use reads the cache");
  CompiledKernels refreshed = cachedKernels(nvrtc, target, dir, true);
  CHECK(!refreshed.fromCache && fakeCuda().compiles.size() == 2, "refresh compiles again");
  const auto files = listDir(dir);
  CHECK(files.size() == 1, "one file per key (%zu)", files.size());
  if (files.size() == 1) {
    CHECK(truncate((dir + "/" + files[0]).c_str(), 30) == 0, "truncate");
    CompiledKernels again = cachedKernels(nvrtc, target, dir);
    CHECK(!again.fromCache && again.image == first.image && fakeCuda().compiles.size() == 3, "a damaged cache file is recompiled");
  }
  std::system(("rm -rf '" + dir + "'").c_str());
  uninstallFakeCuda();
}

// The NVRTC search order (no library is opened here).
void nvrtcSearchOrder() {
  const std::string venv = tempDir();
  std::system(("mkdir -p '" + venv + "/lib/python3.12/site-packages/nvidia/cu13/lib' '" + venv +
               "/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib'").c_str());
  const char* savedVenv = std::getenv("VIRTUAL_ENV");
  const std::string keepVenv = savedVenv ? savedVenv : "";
  const char* savedNvrtc = std::getenv("YOLOE_TRT_NVRTC");
  const std::string keepNvrtc = savedNvrtc ? savedNvrtc : "";
  setEnv("VIRTUAL_ENV", venv.c_str());
  setEnv("YOLOE_TRT_NVRTC", "/opt/x/libnvrtc.so.12");
  auto c = nvrtcCandidates(12);
  auto at = [&](const std::string& p) { return std::find(c.begin(), c.end(), p) - c.begin(); };
  const auto n = static_cast<long>(c.size());
  CHECK(!c.empty() && c[0] == "/opt/x/libnvrtc.so.12", "YOLOE_TRT_NVRTC comes first");
  CHECK(at("libnvrtc.so.13") == n, "a driver of CUDA 12 is offered no NVRTC 13");
  CHECK(at("libnvrtc.so.12") < at("libnvrtc.so.11"), "newest allowed major first");
  const std::string wheel12 = venv + "/lib/python3.12/site-packages/nvidia/cuda_nvrtc/lib/libnvrtc.so.12";
  CHECK(at(wheel12) < n && at("libnvrtc.so.12") < at(wheel12) && at(wheel12) < at("libnvrtc.so.11"),
        "the pip wheel's folder in the virtualenv is searched, after the loader's own search");
  setEnv("YOLOE_TRT_NVRTC", venv.c_str());  // a folder: every major in it
  c = nvrtcCandidates(0);
  CHECK(c.size() > 3 && c[0] == venv + "/libnvrtc.so.13" && c[2] == venv + "/libnvrtc.so.11", "YOLOE_TRT_NVRTC as a folder");
  CHECK(std::find(c.begin(), c.end(), "libnvrtc.so.13") != c.end(), "no driver: no limit on the major");
  setEnv("YOLOE_TRT_NVRTC", savedNvrtc ? keepNvrtc.c_str() : nullptr);
  setEnv("VIRTUAL_ENV", savedVenv ? keepVenv.c_str() : nullptr);
  std::system(("rm -rf '" + venv + "'").c_str());
}

}  // namespace

void runKernelCacheTests() {
  nvrtcSearchOrder();
  cacheFolder();
  cacheKeys();
  atomicWrites();
  compileOnceThroughCache();
}

}  // namespace yoloe_test
