// CPU letterbox: OpenCV-exact INTER_LINEAR resize, constant border, /255, HWC -> CHW.
#pragma once

#include <cstddef>
#include <cstdint>

#include "letterbox_element.h"

namespace yoloe {

enum class LetterboxOutput {
  U8_HWC,   // the letterboxed canvas as uint8 RGB HWC (dstH x dstW x 3)
  F32_CHW,  // float32 planes, p / 255
  F16_CHW,  // fp16 bits (uint16), correctly rounded p / 255
};

// Throws yoloe::Error ('ERR_SHAPE') when the geometry does not fit (content outside the
// canvas, sizes < 1). `src` is 3-channel RGB HWC with rows `srcStrideBytes` apart; `dst` holds
// 3 * dstW * dstH elements of the output type.
void validateLetterbox(int srcW, int srcH, int64_t srcStrideBytes, const LetterboxParams& p);
void letterbox(const uint8_t* src, int srcW, int srcH, int64_t srcStrideBytes, const LetterboxParams& p,
               LetterboxOutput kind, void* dst);

// The OpenCV-exact resize alone (uint8, 1..4 channels, packed rows), as lib/image/resize.ts.
void resizeBilinearU8(const uint8_t* src, int srcW, int srcH, int channels, int dstW, int dstH, uint8_t* dst);

}  // namespace yoloe
