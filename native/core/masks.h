// CPU instance-mask assembly, the twin of lib/decode/masks.ts assembleMasksCompact: for each
// detection, a compact binary mask over the ORIGINAL image (0 outside [x0, x1) x [y0, y1)).
// The per-detection plan (which proto cells, input pixels and output pixels can be nonzero) is
// shared with the CUDA launcher so both compute exactly the same regions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "masks_element.h"

namespace yoloe {

// The letterbox pad crop of scale_masks (lib/decode/masks.ts padCrop).
PadCrop padCrop(int inH, int inW, int outH, int outW);

struct CompactMask {
  int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  std::vector<uint8_t> data;  // (y1 - y0) x (x1 - x0), 1 = object
};

void validateMasks(const MaskProtoShape& s, const MaskGeometry& g);
// Plans for n detections; boxes are x1, y1, x2, y2 in network-input pixels.
std::vector<MaskPlan> planMasks(const MaskProtoShape& s, const float* boxes, size_t n, const MaskGeometry& g, bool retina);
std::vector<CompactMask> assembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const float* boxes,
                                       size_t n, const MaskGeometry& g, bool retina);

// The same masks in one allocation (what the addon hands to JavaScript without a copy):
// regions x0, y0, x1, y1 per detection (all 0 when empty), rectangles one after the other.
struct PackedMasks {
  std::vector<int32_t> regions;
  std::unique_ptr<uint8_t[]> data;
  size_t size = 0;
};
PackedMasks assembleMasksPacked(const float* protos, const MaskProtoShape& s, const float* coeffs, const float* boxes, size_t n,
                                const MaskGeometry& g, bool retina);

}  // namespace yoloe
