// Greedy class-aware NMS, the twin of lib/decode/nms.ts (Ultralytics non_max_suppression ->
// torchvision.ops.nms on the CPU): boxes shifted by classId * 7680 unless agnostic, float32
// arithmetic throughout, stable descending score order, suppress IoU > iou, at most maxDet kept.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace yoloe {

constexpr float kClassOffset = 7680.f;

struct NmsOptions {
  double iou = 0.7;
  int64_t maxDet = 300;
  bool agnostic = false;
};

// boxes: x1, y1, x2, y2 per candidate. Returns the indices (into the inputs) of the kept
// candidates, best first.
std::vector<int32_t> nms(const float* boxes, const float* scores, const int32_t* classIds, size_t n, const NmsOptions& opts);

}  // namespace yoloe
