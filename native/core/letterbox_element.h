// Per-element maths of the letterbox (resize + pad + normalise), shared by the CPU twin
// (letterbox.cpp) and the CUDA kernel (native/cuda/letterbox.cu). It reproduces OpenCV 4.x
// cv::resize INTER_LINEAR on uint8 (the generic fixed-point path), see REFERENCE.md section 2
// and lib/image/resize.ts, operation for operation:
//   f = float((d + 0.5) * (1 / (dst / src)) - 0.5), s = floor(f), fraction f - s in float,
//   weights rint((1 - f) * 2048), rint(f * 2048);
//   columns clamp to the edge with weights (2048, 0); rows keep their weights, indices clip;
//   horizontal pass S = p0 * a0 + p1 * a1 (int), vertical (((b0 * (S0 >> 4)) >> 16) +
//   ((b1 * (S1 >> 4)) >> 16) + 2) >> 2.
// An exact 2x shrink (OpenCV's INTER_AREA shortcut) gives the same bytes through this formula.
#pragma once

#include <cmath>
#include <cstdint>

#include "hd.h"

namespace yoloe {

// Where the resized image sits in the network input (lib/types.ts LetterboxGeometry).
struct LetterboxParams {
  int dstW = 0, dstH = 0;  // network input
  int newW = 0, newH = 0;  // resized content
  int left = 0, top = 0;   // pads before the content
  int padValue = 114;      // border grey level 0..255
};

// One destination index: two source indices and their 11-bit weights.
struct LinearTap {
  int i0, i1;
  int w0, w1;
};

constexpr int kResizeCoefScale = 2048;

YOLOE_HD double mulRn(double a, double b) {
#if defined(__CUDA_ARCH__)
  return __dmul_rn(a, b);  // no fused multiply-add: the host does not fuse either
#else
  return a * b;
#endif
}

// clampWeights: true for columns (OpenCV resets the fraction at the borders), false for rows.
YOLOE_HD LinearTap linearTap(int d, int srcLen, int dstLen, bool clampWeights) {
  const double scale = 1.0 / (static_cast<double>(dstLen) / static_cast<double>(srcLen));
  float f = static_cast<float>(mulRn(d + 0.5, scale) - 0.5);
  int s = static_cast<int>(floorf(f));
  f -= static_cast<float>(s);
  if (clampWeights) {
    if (s < 0) {
      s = 0;
      f = 0.f;
    }
    if (s >= srcLen - 1) {
      s = srcLen - 1;
      f = 0.f;
    }
  }
  LinearTap t;
  t.i0 = s < 0 ? 0 : (s > srcLen - 1 ? srcLen - 1 : s);
  t.i1 = s + 1 < 0 ? 0 : (s + 1 > srcLen - 1 ? srcLen - 1 : s + 1);
  t.w0 = static_cast<int>(rintf((1.f - f) * static_cast<float>(kResizeCoefScale)));
  t.w1 = static_cast<int>(rintf(f * static_cast<float>(kResizeCoefScale)));
  return t;
}

// Horizontal pass of one channel of one source row (11-bit fixed point, fits in int).
YOLOE_HD int horizontalSample(const uint8_t* row, int channels, int c, const LinearTap& tx) {
  return row[tx.i0 * channels + c] * tx.w0 + row[tx.i1 * channels + c] * tx.w1;
}

// Vertical pass with OpenCV's uint8 rounding.
YOLOE_HD uint8_t verticalCombine(int s0, int s1, const LinearTap& ty) {
  int v = (((ty.w0 * (s0 >> 4)) >> 16) + ((ty.w1 * (s1 >> 4)) >> 16) + 2) >> 2;
  return static_cast<uint8_t>(v < 0 ? 0 : (v > 255 ? 255 : v));
}

// One resized uint8 sample at content pixel (x, y), channel c (an unchanged size is an exact copy).
YOLOE_HD uint8_t resizedSample(const uint8_t* src, int64_t strideBytes, int channels, int c, const LinearTap& tx,
                               const LinearTap& ty) {
  const uint8_t* r0 = src + ty.i0 * strideBytes;
  const uint8_t* r1 = src + ty.i1 * strideBytes;
  return verticalCombine(horizontalSample(r0, channels, c, tx), horizontalSample(r1, channels, c, tx), ty);
}

// The value a letterboxed pixel is normalised to: float32(p / 255), as lib/image/fp16.ts U8_TO_FLOAT.
YOLOE_HD float normalisedU8(int p) { return static_cast<float>(static_cast<double>(p) / 255.0); }

}  // namespace yoloe
