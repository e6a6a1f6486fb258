#include "nms.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "error.h"

namespace yoloe {

namespace {
// JavaScript's Math.min / Math.max: NaN wins (std::min would depend on the argument order)
inline float jsMin(float a, float b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }
inline float jsMax(float a, float b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
}  // namespace

std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classIds, size_t n, const NmsOptions& opts) {
  if (opts.maxDet < 0) throw Error("ERR_INVALID_OPTION", "maxDet must be >= 0");
  if (n > static_cast<size_t>(INT32_MAX)) throw Error("ERR_SHAPE", "too many NMS candidates");
  std::vector<int32_t> kept;
  if (n == 0) return kept;
  std::vector<int32_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });

  // offset boxes and areas in sorted order, float32 like the torch tensors
  std::vector<float> x1(n), y1(n), x2(n), y2(n), area(n);
  for (size_t k = 0; k < n; k++) {
    const size_t i = static_cast<size_t>(order[k]);
    const float off = opts.agnostic ? 0.f : static_cast<float>(classIds[i]) * kClassOffset;
    x1[k] = boxes[4 * i] + off;
    y1[k] = boxes[4 * i + 1] + off;
    x2[k] = boxes[4 * i + 2] + off;
    y2[k] = boxes[4 * i + 3] + off;
    area[k] = (x2[k] - x1[k]) * (y2[k] - y1[k]);
  }
  std::vector<uint8_t> suppressed(n, 0);
  const double iou = opts.iou;
  for (size_t i = 0; i < n && static_cast<int64_t>(kept.size()) < opts.maxDet; i++) {
    if (suppressed[i]) continue;
    kept.push_back(order[i]);
    for (size_t j = i + 1; j < n; j++) {
      if (suppressed[j]) continue;
      const float w = jsMin(x2[i], x2[j]) - jsMax(x1[i], x1[j]);
      if (!(w > 0.f)) continue;  // no overlap: IoU 0 never exceeds a threshold >= 0
      const float h = jsMin(y2[i], y2[j]) - jsMax(y1[i], y1[j]);
      if (!(h > 0.f)) continue;
      const float inter = w * h;
      const float ovr = inter / ((area[i] + area[j]) - inter);
      if (static_cast<double>(ovr) > iou) suppressed[j] = 1;
    }
  }
  return kept;
}

}  // namespace yoloe
