// Plain C++ entry points of the CUDA kernels, for the addon and for the TensorRT runtime's GPU
// preprocessing / postprocessing. No CUDA types beyond cudaStream_t / cudaError_t; every
// pointer named `d...` or documented as device memory must be device memory. Each kernel
// shares its per-element code with a CPU twin in native/core (the *_element.h headers).
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/letterbox_element.h"
#include "core/masks.h"

namespace yoloe {
namespace cuda {

// ------------------------------------------------------------------ letterbox
// One image: uint8 RGB HWC (device), rows srcStrideBytes apart, into a [3, dstH, dstW] block
// (float32, or fp16 bits when fp16) at dstCHW (device). Same bytes as yoloe::letterbox().
cudaError_t launchLetterbox(const uint8_t* srcHWC, int srcW, int srcH, int srcStrideBytes, const LetterboxParams& p,
                            void* dstCHW, bool fp16, cudaStream_t stream);

struct LetterboxImage {
  const uint8_t* srcHWC;  // device
  int srcW, srcH;
  int srcStrideBytes;
  LetterboxParams params;  // all images of a batch share dstW / dstH
};

// A batch into one [count, 3, dstH, dstW] tensor (image b at element b * 3 * dstH * dstW).
cudaError_t launchLetterboxBatch(const LetterboxImage* images /* host array */, int count, void* dstNCHW, bool fp16,
                                 cudaStream_t stream);

// ------------------------------------------------------------------ candidate decode
struct DecodeParams {
  int channels = 0;   // 4 + nc + nm
  int anchors = 0;    // N
  int nc = 0;
  bool transposed = false;  // [N, C] instead of [C, N]
  bool fp16 = false;        // head holds fp16 bits
  double conf = 0.25;       // strict >
  bool multiLabel = false;
  const uint8_t* allowed = nullptr;  // device table of nc flags, or null = all classes
  int capacity = 0;                  // slots in `out`
};

struct DeviceCandidate {
  float x1, y1, x2, y2, score;
  int32_t classId, index;
};

// Candidates of one image's head (device) compacted into `out` (device) through an atomic
// counter (device int, zeroed here). The count may exceed capacity (extra ones are dropped,
// the count says how many there were). Order is not defined: sort by (index, classId) to get
// the CPU twin's anchor order.
cudaError_t launchDecodeCandidates(const void* head, const DecodeParams& p, DeviceCandidate* out, int* counter,
                                   cudaStream_t stream);

// ------------------------------------------------------------------ masks
struct MaskJob {
  MaskPlan plan;
  int64_t logitsOffset = 0;  // floats into MaskBuffers::logits
  int64_t binaryOffset = 0;  // bytes into MaskBuffers::binary (non-retina)
  int64_t outputOffset = 0;  // bytes into MaskBuffers::output
};

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
cudaError_t launchAssembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const MaskGeometry& g,
                                bool retina, const MaskLayout& layout, const MaskBuffers& buffers, cudaStream_t stream);

}  // namespace cuda
}  // namespace yoloe
