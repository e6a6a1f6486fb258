// Plain data handed to the CUDA kernels as cuLaunchKernel parameters or through device buffers.
// One definition for both sides: the host launchers (native/cuda/*_launch.cpp) include it as
// C++, and it is part of the kernel source that NVRTC compiles on the device
// (native/cuda/kernels/*.cu, assembled by cmake/embed_kernels.cmake), so the layouts match.
// No includes of its own: the kernel source has no standard headers.
#pragma once

#include "core/letterbox_element.h"
#include "core/masks_element.h"

namespace yoloe {
namespace cuda {

// ------------------------------------------------------------------ letterbox
struct LetterboxImage {
  const uint8_t* srcHWC;  // device
  int srcW, srcH;
  int srcStrideBytes;
  LetterboxParams params;  // all images of a batch share dstW / dstH
};

// Images per launch: passed by value (no device scratch, no allocation per call, capturable in
// a CUDA graph); 16 images + the table stay well inside the 4 KiB kernel parameter limit.
constexpr int kLetterboxImagesPerLaunch = 16;

struct LetterboxChunk {
  LetterboxImage images[kLetterboxImagesPerLaunch];
  int count;
};

// p / 255 as float32 and as fp16 bits for every grey level.
struct LetterboxLut {
  float f32[256];
  uint16_t f16[256];
};

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

// ------------------------------------------------------------------ masks
struct MaskJob {
  MaskPlan plan;
  int64_t logitsOffset = 0;  // floats into MaskBuffers::logits
  int64_t binaryOffset = 0;  // bytes into MaskBuffers::binary (non-retina)
  int64_t outputOffset = 0;  // bytes into MaskBuffers::output
};

}  // namespace cuda
}  // namespace yoloe
