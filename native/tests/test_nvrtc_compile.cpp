// The generated kernel source compiled by the real NVRTC (found as the addon finds it) for
// every architecture that NVRTC supports from sm_72 (Xavier) to sm_120, exactly with the
// addon's options (kernel_compiler.h); a GPU newer than NVRTC gets PTX. No GPU needed.
#include <algorithm>
#include <cstdio>
#include <string>

#include "cuda/kernel_compiler.h"
#include "cuda/kernel_source.h"
#include "cuda/nvrtc_api.h"
#include "cuda_tests.h"
#include "harness.h"

namespace yoloe_test {

using namespace yoloe::cuda;

namespace {

bool contains(const std::vector<char>& image, const std::string& text) {
  return std::search(image.begin(), image.end(), text.begin(), text.end()) != image.end();
}

void checkImage(const std::vector<char>& image, const std::string& target, bool cubin) {
  if (cubin) {
    CHECK(image.size() > 4 && image[0] == 0x7f && image[1] == 'E' && image[2] == 'L' && image[3] == 'F', "%s: a cubin is an ELF file",
          target.c_str());
  } else {
    CHECK(contains(image, ".target " + target.substr(std::string("compute_").size()).insert(0, "sm_")), "%s: PTX for that target",
          target.c_str());
  }
  for (const char* name : kKernelNames) CHECK(contains(image, name), "%s: entry point %s present", target.c_str(), name);
}

}  // namespace

bool runNvrtcCompileTests() {
  const NvrtcLibrary& nvrtc = nvrtcLibrary();
  if (nvrtc.api == nullptr) {
    std::printf("%s\n", nvrtc.error.c_str());
    return false;
  }
  std::printf("NVRTC %d.%d from %s, architectures:", nvrtc.major, nvrtc.minor, nvrtc.path.c_str());
  for (int a : nvrtc.archs) std::printf(" %d", a);
  std::printf("\n");
  int compiled = 0;
  for (int arch : nvrtc.archs) {
    if (arch < 72 || arch > 120) continue;
    const KernelTarget target = chooseKernelTarget(arch / 10, arch % 10, nvrtc);
    CHECK(target.error.empty() && target.cubin && target.name == "sm_" + std::to_string(arch), "sm_%d: a cubin target", arch);
    const CompiledKernels k = compileKernelSource(nvrtc, target);
    CHECK(k.error.empty(), "sm_%d compiles: %s", arch, k.error.c_str());
    if (k.error.empty()) {
      checkImage(k.image, target.name, true);
      compiled++;
      std::printf("  sm_%d: %zu bytes of cubin\n", arch, k.image.size());
    }
  }
  CHECK(compiled > 0, "at least one architecture in sm_72..sm_120 compiled");
  // a GPU one step beyond NVRTC's newest: PTX of the newest, which the driver compiles
  const int newest = nvrtc.archs.back();
  const KernelTarget ptx = chooseKernelTarget(newest / 10 + 1, 0, nvrtc);
  CHECK(!ptx.cubin && ptx.name == "compute_" + std::to_string(newest), "a newer GPU gets PTX (%s)", ptx.name.c_str());
  const CompiledKernels p = compileKernelSource(nvrtc, ptx);
  CHECK(p.error.empty(), "PTX compiles: %s", p.error.c_str());
  if (p.error.empty()) checkImage(p.image, ptx.name, false);
  return true;
}

}  // namespace yoloe_test
