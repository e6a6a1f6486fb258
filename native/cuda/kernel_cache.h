// On-disk cache of the kernels NVRTC compiled, so a process compiles them once per machine.
//   folder: $YOLOE_TRT_KERNEL_CACHE ("off" disables it), else $XDG_CACHE_HOME/yoloe-trt/kernels,
//           else $HOME/.cache/yoloe-trt/kernels
//   key:    GPU target (sm_87 / compute_90), NVRTC version, compile options and the SHA-256 of
//           the kernel source: any change gives another file, stale files are never read
//   files:  written to a temporary name and renamed (atomic: a reader sees all or nothing),
//           with a length + checksum header so a damaged file is recompiled, not loaded
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe::cuda {

struct KernelCacheKey {
  std::string target;        // "sm_87" (cubin) or "compute_90" (PTX)
  int nvrtcMajor = 0, nvrtcMinor = 0;
  std::string options;       // the NVRTC options, joined
  std::string sourceDigest;  // kKernelSourceDigest
};

// "" when caching is off (or no folder can be named).
std::string kernelCacheDir();
// The file name (no folder) of a key: yoloe-kernels-sm_87-nvrtc12.6-<16 hex digits>.bin
std::string kernelCacheFileName(const KernelCacheKey& key);

// The cached image, or false (absent, unreadable, truncated, checksum mismatch).
bool readCachedKernels(const std::string& dir, const KernelCacheKey& key, std::vector<char>* image);
// Atomic write (temporary file in the same folder, fsync, rename). Creates the folder.
// Returns "" or why it failed; a failure costs a recompilation next time, nothing else.
std::string writeCachedKernels(const std::string& dir, const KernelCacheKey& key, const std::vector<char>& image);

uint64_t fnv1a64(const void* data, size_t size, uint64_t seed = 1469598103934665603ULL);

}  // namespace yoloe::cuda
