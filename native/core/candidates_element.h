// Per-anchor maths of the raw-head candidate scan, shared by the CPU twin (candidates.cpp) and
// the CUDA decode kernel (native/cuda/decode.cu). Semantics of lib/decode/candidates.ts:
// best class = first maximum among the scores > conf (strict; NaN ignored), candidate iff one exists, box = Ultralytics'
// xywh2xyxy on float32 (w / 2 exact, sums rounded to float32).
#pragma once

#include <cmath>
#include <cstdint>

#include "half_element.h"
#include "hd.h"

namespace yoloe {

// A head element as float32: float heads as they are, fp16 heads (raw bits) widened exactly.
YOLOE_HD float headValue(const float* p) { return *p; }
YOLOE_HD float headValue(const uint16_t* p) { return halfToFloat(*p); }

// Where element (channel k, anchor a) of one image sits: [C, N] or transposed [N, C].
struct HeadStrides {
  int64_t channel;  // distance between channels of one anchor
  int64_t anchor;   // distance between anchors of one channel
};

YOLOE_HD HeadStrides headStrides(int channels, int anchors, bool transposed) {
  HeadStrides s;
  s.channel = transposed ? 1 : anchors;
  s.anchor = transposed ? channels : 1;
  return s;
}

// The largest float32 <= conf: for a float32 score v, `v > threshold` equals the double
// comparison `v > conf` that lib/decode/candidates.ts makes, without doubles on the device.
#if !defined(__CUDACC_RTC__)  // host only (the launcher computes it); NVRTC has no <cmath>
inline float floatThresholdBelow(double conf) {
  float f = static_cast<float>(conf);
  if (static_cast<double>(f) > conf) f = std::nextafter(f, -INFINITY);
  return f;
}
#endif

// x1, y1, x2, y2 from cx, cy, w, h in float32 arithmetic.
YOLOE_HD void xywhToXyxy(float cx, float cy, float w, float h, float* out) {
  const float dw = w / 2.f;
  const float dh = h / 2.f;
  out[0] = cx - dw;
  out[1] = cy - dh;
  out[2] = cx + dw;
  out[3] = cy + dh;
}

// Best class of one anchor among the scores above the threshold (first on ties; NaN never
// wins): starts at the threshold, as lib/decode/candidates.ts does. Returns false when no
// class is above it.
template <typename T>
YOLOE_HD bool bestClassOf(const T* image, HeadStrides s, int anchor, int nc, float threshold, float* bestScore, int* bestClass) {
  const T* p = image + 4 * s.channel + anchor * s.anchor;
  float best = threshold;
  int bestC = 0;
  for (int c = 0; c < nc; c++) {
    const float v = headValue(p + c * s.channel);
    if (v > best) {
      best = v;
      bestC = c;
    }
  }
  *bestScore = best;
  *bestClass = bestC;
  return best > threshold;
}

}  // namespace yoloe
