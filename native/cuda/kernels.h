// Plain C++ entry points of the CUDA kernels, for the addon and for the TensorRT runtime's GPU
// preprocessing / postprocessing. Every launch goes through the driver API table
// (driver_api.h) on the caller's current context; the kernels are compiled for that context's
// GPU on first use by NVRTC (kernel_module.h) and cached on disk. When they cannot be
// (no NVRTC, an architecture NVRTC cannot target), a launch returns kKernelsUnavailable and
// kernelStatus() says why and what to install: callers then use the CPU twins in native/core.
// Every pointer named `d...` or documented as device memory must be device memory. Each kernel
// shares its per-element code with a CPU twin in native/core (the *_element.h headers).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/masks.h"
#include "cuda/driver_api.h"
#include "cuda/kernel_module.h"
#include "cuda/kernel_types.h"

namespace yoloe {
namespace cuda {

// ------------------------------------------------------------------ letterbox
// One image: uint8 RGB HWC (device), rows srcStrideBytes apart, into a [3, dstH, dstW] block
// (float32, or fp16 bits when fp16) at dstCHW (device). Same bytes as yoloe::letterbox().
CUresult launchLetterbox(const uint8_t* srcHWC, int srcW, int srcH, int srcStrideBytes, const LetterboxParams& p,
                         void* dstCHW, bool fp16, CUstream stream);

// A batch into one [count, 3, dstH, dstW] tensor (image b at element b * 3 * dstH * dstW).
// `images` is a host array; nothing is allocated (launches of kLetterboxImagesPerLaunch images).
CUresult launchLetterboxBatch(const LetterboxImage* images /* host array */, int count, void* dstNCHW, bool fp16,
                              CUstream stream);

// ------------------------------------------------------------------ candidate decode
// Candidates of one image's head (device) compacted into `out` (device) through an atomic
// counter (device int, zeroed here). The count may exceed capacity (extra ones are dropped,
// the count says how many there were). Order is not defined: sort by (index, classId) to get
// the CPU twin's anchor order.
CUresult launchDecodeCandidates(const void* head, const DecodeParams& p, DeviceCandidate* out, int* counter,
                                CUstream stream);

// ------------------------------------------------------------------ masks
struct MaskLayout {
  std::vector<MaskJob> jobs;
  int64_t logitsCount = 0, binaryBytes = 0, outputBytes = 0;
};

// Scratch and output sizes for the plans of yoloe::planMasks (host).
MaskLayout layoutMasks(const std::vector<MaskPlan>& plans);

struct MaskBuffers {
  float* logits;   // device, layout.logitsCount
  uint8_t* binary; // device, layout.binaryBytes (may be null for retina)
  uint8_t* output; // device, layout.outputBytes: compact masks, as yoloe::CompactMask::data
  MaskJob* jobs;   // device, layout.jobs.size() (filled here)
};

// protos [nm, ph, pw] and coeffs [n, nm] in device memory.
CUresult launchAssembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const MaskGeometry& g,
                             bool retina, const MaskLayout& layout, const MaskBuffers& buffers, CUstream stream);

}  // namespace cuda
}  // namespace yoloe
