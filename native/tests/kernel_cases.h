// Inputs and comparisons shared by the kernel-vs-twin tests on a GPU (test_gpu_kernels.cpp)
// and on the host-memory driver (test_cuda_launch.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "core/candidates.h"
#include "core/letterbox_element.h"
#include "cuda/kernel_types.h"
#include "harness.h"

namespace yoloe_test {

// Ultralytics' letterbox geometry for a w x h image in a W x H input.
inline yoloe::LetterboxParams fitLetterbox(int w, int h, int W, int H) {
  const double r = std::min(static_cast<double>(H) / h, static_cast<double>(W) / w);
  yoloe::LetterboxParams p;
  p.dstW = W, p.dstH = H;
  p.newW = static_cast<int>(std::nearbyint(w * r)), p.newH = static_cast<int>(std::nearbyint(h * r));
  p.left = static_cast<int>(std::nearbyint((W - p.newW) / 2.0 - 0.1));
  p.top = static_cast<int>(std::nearbyint((H - p.newH) / 2.0 - 0.1));
  return p;
}

// Random protos, coefficients and boxes (x, y in [0, boxOrigin), sides in [1, boxSide]).
struct MaskCase {
  std::vector<float> protos, coeffs, boxes;
};

inline MaskCase randomMaskCase(Rng& rng, int nm, int ph, int pw, int n, float boxOrigin, float boxSide) {
  MaskCase c;
  c.protos.resize(static_cast<size_t>(nm) * ph * pw);
  for (auto& v : c.protos) v = rng.uniform(-1, 1);
  c.coeffs.resize(static_cast<size_t>(n) * nm);
  for (auto& v : c.coeffs) v = rng.uniform(-1, 1);
  c.boxes.resize(4 * static_cast<size_t>(n));
  for (int d = 0; d < n; d++) {
    const float x = rng.uniform(0, boxOrigin), y = rng.uniform(0, boxOrigin);
    c.boxes[4 * d] = x, c.boxes[4 * d + 1] = y, c.boxes[4 * d + 2] = x + rng.uniform(1, boxSide),
               c.boxes[4 * d + 3] = y + rng.uniform(1, boxSide);
  }
  return c;
}

// The compacted candidates (any order; sorted here) equal the twin's list, bit for bit; `count`
// is the kernel's counter (all candidates, also those beyond the capacity).
inline bool sameCandidates(std::vector<yoloe::cuda::DeviceCandidate> got, int count, const yoloe::CandidateList& want) {
  std::sort(got.begin(), got.end(), [](const yoloe::cuda::DeviceCandidate& a, const yoloe::cuda::DeviceCandidate& b) {
    return std::tie(a.index, a.classId) < std::tie(b.index, b.classId);
  });
  bool same = count == static_cast<int>(want.size());
  for (size_t i = 0; same && i < got.size(); i++) {
    const auto& g = got[i];
    same = g.index == want.indices[i] && g.classId == want.classIds[i] && g.score == want.scores[i] && g.x1 == want.boxes[4 * i] &&
           g.y1 == want.boxes[4 * i + 1] && g.x2 == want.boxes[4 * i + 2] && g.y2 == want.boxes[4 * i + 3];
  }
  return same;
}

}  // namespace yoloe_test
