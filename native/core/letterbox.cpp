#include "letterbox.h"

#include <algorithm>
#include <string>
#include <vector>

#include "error.h"
#include "half_element.h"

namespace yoloe {

namespace {

std::vector<LinearTap> taps(int srcLen, int dstLen, bool clampWeights) {
  std::vector<LinearTap> t(static_cast<size_t>(dstLen));
  for (int d = 0; d < dstLen; d++) t[static_cast<size_t>(d)] = linearTap(d, srcLen, dstLen, clampWeights);
  return t;
}

// Writes the resized rows one at a time through `emit(y, row)`; each source row is filtered
// horizontally once and cached, since destination rows walk the source downwards.
template <typename Emit>
void resizeRows(const uint8_t* src, int srcW, int srcH, int64_t stride, int channels, int dstW, int dstH, Emit emit) {
  const std::vector<LinearTap> xt = taps(srcW, dstW, true);
  const std::vector<LinearTap> yt = taps(srcH, dstH, false);
  const size_t rowLen = static_cast<size_t>(dstW) * static_cast<size_t>(channels);
  std::vector<int> rowA(rowLen), rowB(rowLen);
  std::vector<uint8_t> out(rowLen);
  int rowAIndex = -1, rowBIndex = -1;
  auto hpass = [&](int sy, std::vector<int>& dstRow) {
    const uint8_t* row = src + static_cast<int64_t>(sy) * stride;
    size_t o = 0;
    for (int dx = 0; dx < dstW; dx++) {
      const LinearTap& tx = xt[static_cast<size_t>(dx)];
      for (int c = 0; c < channels; c++) dstRow[o++] = horizontalSample(row, channels, c, tx);
    }
  };
  for (int dy = 0; dy < dstH; dy++) {
    const LinearTap& ty = yt[static_cast<size_t>(dy)];
    if (rowAIndex != ty.i0) {
      if (rowBIndex == ty.i0) {
        std::swap(rowA, rowB);
        std::swap(rowAIndex, rowBIndex);
      } else {
        hpass(ty.i0, rowA);
        rowAIndex = ty.i0;
      }
    }
    if (rowBIndex != ty.i1) {
      if (ty.i1 == rowAIndex) {
        rowB = rowA;
      } else {
        hpass(ty.i1, rowB);
      }
      rowBIndex = ty.i1;
    }
    for (size_t x = 0; x < rowLen; x++) out[x] = verticalCombine(rowA[x], rowB[x], ty);
    emit(dy, out.data());
  }
}

struct Luts {
  float f32[256];
  uint16_t f16[256];
  Luts() {
    for (int p = 0; p < 256; p++) {
      f32[p] = normalisedU8(p);
      f16[p] = doubleToHalf(static_cast<double>(p) / 255.0);
    }
  }
};

const Luts& luts() {
  static const Luts l;  // thread-safe static init (C++11)
  return l;
}

template <typename T>
void packChw(const uint8_t* src, int srcW, int srcH, int64_t stride, const LetterboxParams& p, const T* lut, T* dst) {
  const size_t plane = static_cast<size_t>(p.dstW) * static_cast<size_t>(p.dstH);
  std::fill(dst, dst + 3 * plane, lut[p.padValue]);
  resizeRows(src, srcW, srcH, stride, 3, p.newW, p.newH, [&](int y, const uint8_t* row) {
    const size_t o = static_cast<size_t>(y + p.top) * static_cast<size_t>(p.dstW) + static_cast<size_t>(p.left);
    T* r = dst + o;
    T* g = r + plane;
    T* b = g + plane;
    for (int x = 0; x < p.newW; x++) {
      r[x] = lut[row[3 * x]];
      g[x] = lut[row[3 * x + 1]];
      b[x] = lut[row[3 * x + 2]];
    }
  });
}

}  // namespace

void validateLetterbox(int srcW, int srcH, int64_t srcStrideBytes, const LetterboxParams& p) {
  if (srcW < 1 || srcH < 1) throw Error("ERR_SHAPE", "source image must be at least 1x1");
  if (srcStrideBytes < static_cast<int64_t>(srcW) * 3) throw Error("ERR_SHAPE", "source row stride is shorter than width * 3");
  if (p.dstW < 1 || p.dstH < 1 || p.newW < 1 || p.newH < 1) throw Error("ERR_SHAPE", "letterbox sizes must be >= 1");
  if (p.left < 0 || p.top < 0 || static_cast<int64_t>(p.left) + p.newW > p.dstW || static_cast<int64_t>(p.top) + p.newH > p.dstH) {
    throw Error("ERR_SHAPE", "resized content " + std::to_string(p.newW) + "x" + std::to_string(p.newH) + " at (" +
                                 std::to_string(p.left) + ", " + std::to_string(p.top) + ") does not fit a " +
                                 std::to_string(p.dstW) + "x" + std::to_string(p.dstH) + " canvas");
  }
  if (p.padValue < 0 || p.padValue > 255) throw Error("ERR_INVALID_OPTION", "padValue must be an integer 0..255");
}

void letterbox(const uint8_t* src, int srcW, int srcH, int64_t srcStrideBytes, const LetterboxParams& p,
               LetterboxOutput kind, void* dst) {
  validateLetterbox(srcW, srcH, srcStrideBytes, p);
  switch (kind) {
    case LetterboxOutput::F32_CHW:
      packChw(src, srcW, srcH, srcStrideBytes, p, luts().f32, static_cast<float*>(dst));
      return;
    case LetterboxOutput::F16_CHW:
      packChw(src, srcW, srcH, srcStrideBytes, p, luts().f16, static_cast<uint16_t*>(dst));
      return;
    case LetterboxOutput::U8_HWC: {
      uint8_t* out = static_cast<uint8_t*>(dst);
      const size_t rowBytes = static_cast<size_t>(p.dstW) * 3;
      std::fill(out, out + rowBytes * static_cast<size_t>(p.dstH), static_cast<uint8_t>(p.padValue));
      resizeRows(src, srcW, srcH, srcStrideBytes, 3, p.newW, p.newH, [&](int y, const uint8_t* row) {
        std::copy(row, row + static_cast<size_t>(p.newW) * 3,
                  out + static_cast<size_t>(y + p.top) * rowBytes + static_cast<size_t>(p.left) * 3);
      });
      return;
    }
  }
}

void resizeBilinearU8(const uint8_t* src, int srcW, int srcH, int channels, int dstW, int dstH, uint8_t* dst) {
  if (srcW < 1 || srcH < 1 || dstW < 1 || dstH < 1) throw Error("ERR_SHAPE", "resize sizes must be >= 1");
  if (channels < 1 || channels > 4) throw Error("ERR_IMAGE_CHANNELS", "resize needs 1..4 channels");
  const size_t rowLen = static_cast<size_t>(dstW) * static_cast<size_t>(channels);
  resizeRows(src, srcW, srcH, static_cast<int64_t>(srcW) * channels, channels, dstW, dstH,
             [&](int y, const uint8_t* row) { std::copy(row, row + rowLen, dst + static_cast<size_t>(y) * rowLen); });
}

}  // namespace yoloe
