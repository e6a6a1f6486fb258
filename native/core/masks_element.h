// Per-element maths of instance-mask assembly, shared by the CPU twin (masks.cpp) and the CUDA
// kernels (native/cuda/masks.cu). Semantics of lib/decode/masks.ts + interp.ts (upstream
// Ultralytics process_mask / scale_masks with PyTorch's bilinear, align_corners=False, float32):
//   logit = sum_k coeffs[k] * protos[k, r, c] accumulated in double (k ascending, zero
//   coefficients skipped), rounded once to float32;
//   tap: scale = float(in / out), src = float(float(scale * (d + 0.5)) - 0.5) clamped at 0,
//   i0 = min(floor(src), in - 1), i1 = i0 + (i0 < in - 1), w1 = clamp(src - i0, 0, 1), w0 = 1 - w1;
//   lerp = float(float(a * w0) + float(b * w1)); rows of columns (separable) == per pixel.
#pragma once

#include <cmath>
#include <cstdint>

#include "hd.h"

namespace yoloe {

YOLOE_HD float fmulRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fmul_rn(a, b);
#else
  return a * b;
#endif
}

YOLOE_HD float faddRn(float a, float b) {
#if defined(__CUDA_ARCH__)
  return __fadd_rn(a, b);
#else
  return a + b;
#endif
}

struct AxisTap {
  int i0, i1;
  float w0, w1;
};

YOLOE_HD AxisTap torchLinearTap(int inSize, int outSize, int d) {
  const float scale = static_cast<float>(static_cast<double>(inSize) / static_cast<double>(outSize));
  float src = faddRn(fmulRn(scale, static_cast<float>(d) + 0.5f), -0.5f);
  if (src < 0.f) src = 0.f;
  int lo = static_cast<int>(floorf(src));
  if (lo > inSize - 1) lo = inSize - 1;
  float lambda = src - static_cast<float>(lo);
  lambda = lambda < 0.f ? 0.f : (lambda > 1.f ? 1.f : lambda);
  AxisTap t;
  t.i0 = lo;
  t.i1 = lo < inSize - 1 ? lo + 1 : lo;
  t.w1 = lambda;
  t.w0 = 1.f - lambda;
  return t;
}

YOLOE_HD float lerp32(float a, float b, float w0, float w1) { return faddRn(fmulRn(a, w0), fmulRn(b, w1)); }

// One logit: coefficients of one detection (nm) . protos[:, r, c] ([nm, ph, pw]).
YOLOE_HD float protoLogit(const float* protos, int nm, int64_t plane, int pw, const float* coeffs, int r, int c) {
  double acc = 0.0;
  const int64_t cell = static_cast<int64_t>(r) * pw + c;
  for (int k = 0; k < nm; k++) {
    const float ck = coeffs[k];
    if (ck == 0.f) continue;
#if defined(__CUDA_ARCH__)
    acc = __dadd_rn(acc, __dmul_rn(static_cast<double>(ck), static_cast<double>(protos[k * plane + cell])));
#else
    acc += static_cast<double>(ck) * static_cast<double>(protos[k * plane + cell]);
#endif
  }
  return static_cast<float>(acc);
}

// A rectangle of a source grid that holds values (0 outside), stored row-major from (r0, c0).
struct GridRegion {
  int r0, r1, c0, c1;
};

// Shapes and plans shared with the CUDA mask kernels (plain data, device-safe).
struct MaskGeometry {
  int dstW = 0, dstH = 0;  // network input
  int srcW = 0, srcH = 0;  // original image
  double ratio = 1.0;      // letterbox r
  int left = 0, top = 0;   // letterbox pads
};

struct MaskProtoShape {
  int nm = 0, ph = 0, pw = 0;
};

// The regions one detection touches. `empty` = the mask is all zero (then nothing else is set).
struct MaskPlan {
  bool empty = true;
  GridRegion logits{0, 0, 0, 0};  // in the grid that is resized last-but-one (proto or pad-crop grid)
  int protoRowOffset = 0, protoColOffset = 0;  // grid -> proto cell (retina: the pad crop)
  GridRegion binary{0, 0, 0, 0};  // non-retina: input-space pixels (box and pad crop)
  GridRegion output{0, 0, 0, 0};  // original-image pixels that can be 1
};

// The letterbox pad crop of scale_masks (lib/decode/masks.ts padCrop).
struct PadCrop {
  int top, left, height, width;
};

// The bilinear value at one output pixel from a region of a source grid; `at(r, c)` reads the
// region. The same float as the separable pass (columns first, then rows).
template <typename Reader>
YOLOE_HD float bilinearFromRegion(const Reader& at, const GridRegion& g, const AxisTap& ry, const AxisTap& cx) {
  float rowVal[2] = {0.f, 0.f};
  const int rows[2] = {ry.i0, ry.i1};
  for (int k = 0; k < 2; k++) {
    const int r = rows[k];
    if (r < g.r0 || r >= g.r1) continue;
    const float va = (cx.i0 >= g.c0 && cx.i0 < g.c1) ? at(r, cx.i0) : 0.f;
    const float vb = (cx.i1 >= g.c0 && cx.i1 < g.c1) ? at(r, cx.i1) : 0.f;
    rowVal[k] = lerp32(va, vb, cx.w0, cx.w1);
  }
  return lerp32(rowVal[0], rowVal[1], ry.w0, ry.w1);
}

}  // namespace yoloe
