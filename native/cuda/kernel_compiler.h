// The kernel source (kernel_source.h) compiled by NVRTC for one GPU architecture, through the
// on-disk cache (kernel_cache.h). Exactly what the addon runs; scripts/gpu-check.sh and the
// NVRTC test use the same functions.
#pragma once

#include <string>
#include <vector>

#include "nvrtc_api.h"

namespace yoloe::cuda {

// What to ask NVRTC for, for a GPU of compute capability major.minor.
struct KernelTarget {
  std::string name;    // "sm_87": cubin for that GPU; "compute_90": PTX the driver compiles (GPU newer than NVRTC)
  bool cubin = false;
  std::string error;   // non-empty: this NVRTC cannot target that GPU (name is then empty)
};

// A cubin when NVRTC lists the architecture; PTX of NVRTC's newest architecture for a newer GPU
// (the driver compiles it; it needs a driver at least as new as NVRTC); an error for a GPU older
// than NVRTC's oldest (CUDA 13 dropped sm_72 Xavier: use NVRTC 12 there).
KernelTarget chooseKernelTarget(int ccMajor, int ccMinor, const NvrtcLibrary& nvrtc);

// The NVRTC options: C++17, no fused multiply-add (the CPU twins are built with
// -ffp-contract=off: bit-exact results need the same roundings), the target architecture.
std::vector<std::string> kernelCompileOptions(const KernelTarget& target);

struct CompiledKernels {
  std::vector<char> image;  // cubin or PTX (NUL-terminated), for cuModuleLoadData
  bool fromCache = false;
  std::string error;        // non-empty: compilation failed (with NVRTC's log)
  std::string cacheNote;    // why the cache was not written, when it was not
};

// Compiles without the cache (tests, gpu-check).
CompiledKernels compileKernelSource(const NvrtcLibrary& nvrtc, const KernelTarget& target);
// Reads the cache in `cacheDir` ("" = none) or compiles and writes it; refresh: compile and
// replace the cached file even when it reads back (the driver refused it).
CompiledKernels cachedKernels(const NvrtcLibrary& nvrtc, const KernelTarget& target, const std::string& cacheDir,
                              bool refresh = false);

}  // namespace yoloe::cuda
