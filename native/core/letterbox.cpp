#include "letterbox.h"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "error.h"
#include "half_element.h"
#include "letterbox_rows.h"

namespace yoloe {

namespace {

std::vector<LinearTap> taps(int srcLen, int dstLen, bool clampWeights) {
  std::vector<LinearTap> t(static_cast<size_t>(dstLen));
  for (int d = 0; d < dstLen; d++) t[static_cast<size_t>(d)] = linearTap(d, srcLen, dstLen, clampWeights);
  return t;
}

// The two horizontally filtered source rows that a destination row blends. Destination rows
// walk the source downwards, so each source row is filtered once and reused while needed.
template <typename Row>
struct RowPair {
  Row a, b;
  int ia = -1, ib = -1;

  template <typename Filter, typename Copy>
  void load(const LinearTap& ty, Filter&& filter, Copy&& copy) {
    if (ia != ty.i0) {
      if (ib == ty.i0) {
        std::swap(a, b);
        std::swap(ia, ib);
      } else {
        filter(ty.i0, a);
        ia = ty.i0;
      }
    }
    if (ib != ty.i1) {
      if (ty.i1 == ia) copy(a, b);
      else filter(ty.i1, b);
      ib = ty.i1;
    }
  }
};

// Writes the resized rows one at a time through `emit(y, row)`; each source row is filtered
// horizontally once and cached, since destination rows walk the source downwards. The generic
// path (any channel count, interleaved output): the uint8 canvas and resizeBilinearU8.
template <typename Emit>
void resizeRows(const uint8_t* src, int srcW, int srcH, int64_t stride, int channels, int dstW, int dstH, Emit emit) {
  const std::vector<LinearTap> xt = taps(srcW, dstW, true);
  const std::vector<LinearTap> yt = taps(srcH, dstH, false);
  const size_t rowLen = static_cast<size_t>(dstW) * static_cast<size_t>(channels);
  RowPair<std::vector<int>> rows{std::vector<int>(rowLen), std::vector<int>(rowLen)};
  std::vector<uint8_t> out(rowLen);
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
    rows.load(ty, hpass, [](const std::vector<int>& from, std::vector<int>& to) { to = from; });
    for (size_t x = 0; x < rowLen; x++) out[x] = verticalCombine(rows.a[x], rows.b[x], ty);
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

// The column and row filters of one geometry, reused while consecutive calls share it (a
// video or a batch of same-sized images): building them is ~1000 float/double roundings.
struct ResizePlan {
  int srcW = -1, srcH = -1, newW = -1, newH = -1;
  RowTaps cols;
  std::vector<LinearTap> rows;
};

const ResizePlan& planFor(int srcW, int srcH, int newW, int newH) {
  thread_local ResizePlan plan;
  if (plan.srcW != srcW || plan.newW != newW) {
    plan.cols = rowTaps(taps(srcW, newW, true), srcW);
    plan.srcW = srcW, plan.newW = newW;
  }
  if (plan.srcH != srcH || plan.newH != newH) {
    plan.rows = taps(srcH, newH, false);
    plan.srcH = srcH, plan.newH = newH;
  }
  return plan;
}

void emitRow(const RowKernels& k, const int16_t* a, const int16_t* b, int n, const LinearTap& ty, float* out) {
  k.verticalF32(a, b, n, ty.w0, ty.w1, out);
}
void emitRow(const RowKernels& k, const int16_t* a, const int16_t* b, int n, const LinearTap& ty, uint16_t* out) {
  k.verticalF16(a, b, n, ty.w0, ty.w1, luts().f16, out);
}

// Output rows [y0, y1) of the CHW canvas: pad rows filled, content rows resized through two
// cached horizontally filtered source rows (int16, planar), then combined vertically.
template <typename T>
void packRows(const uint8_t* src, int64_t stride, const LetterboxParams& p, const ResizePlan& plan, const RowKernels& k, T pad,
              T* dst, int y0, int y1) {
  const size_t plane = static_cast<size_t>(p.dstW) * static_cast<size_t>(p.dstH);
  const size_t w = static_cast<size_t>(p.newW);
  std::vector<int16_t> buf(6 * w);
  std::vector<uint8_t> planes(3 * (static_cast<size_t>(plan.srcW) + 16));
  RowPair<int16_t*> rows{buf.data(), buf.data() + 3 * w};
  auto hpass = [&](int sy, int16_t* out) { k.horizontal(src + static_cast<int64_t>(sy) * stride, plan.srcW, plan.cols, planes.data(), out, out + w, out + 2 * w);
  };
  for (int y = y0; y < y1; y++) {
    T* line[3];
    for (int c = 0; c < 3; c++) line[c] = dst + static_cast<size_t>(c) * plane + static_cast<size_t>(y) * static_cast<size_t>(p.dstW);
    const int cy = y - p.top;
    if (cy < 0 || cy >= p.newH) {
      for (int c = 0; c < 3; c++) std::fill(line[c], line[c] + p.dstW, pad);
      continue;
    }
    const LinearTap& ty = plan.rows[static_cast<size_t>(cy)];
    rows.load(ty, hpass, [w](int16_t* from, int16_t*& to) { std::copy(from, from + 3 * w, to); });
    int16_t* rowA = rows.a;
    int16_t* rowB = rows.b;
    for (int c = 0; c < 3; c++) {
      T* l = line[c];
      std::fill(l, l + p.left, pad);
      emitRow(k, rowA + static_cast<size_t>(c) * w, rowB + static_cast<size_t>(c) * w, p.newW, ty, l + p.left);
      std::fill(l + p.left + p.newW, l + p.dstW, pad);
    }
  }
}

// Below this many output values a second thread costs more than it saves.
constexpr int64_t kParallelMinValues = 3 * 160 * 160;

template <typename T>
void packChw(const uint8_t* src, int srcW, int srcH, int64_t stride, const LetterboxParams& p, T pad, T* dst) {
  const ResizePlan& plan = planFor(srcW, srcH, p.newW, p.newH);
  static const RowKernels k = selectRowKernels(luts().f16);
  const int64_t values = 3 * static_cast<int64_t>(p.dstW) * p.dstH;
  if (values < kParallelMinValues || std::thread::hardware_concurrency() < 2) {
    packRows(src, stride, p, plan, k, pad, dst, 0, p.dstH);
    return;
  }
  // Two halves of the canvas, each with its own row cache (one shared source row at most is
  // filtered twice). The plan is only read by the helper thread.
  const int mid = p.dstH / 2;
  std::thread helper([&] { packRows(src, stride, p, plan, k, pad, dst, mid, p.dstH); });
  packRows(src, stride, p, plan, k, pad, dst, 0, mid);
  helper.join();
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
      packChw(src, srcW, srcH, srcStrideBytes, p, luts().f32[p.padValue], static_cast<float*>(dst));
      return;
    case LetterboxOutput::F16_CHW:
      packChw(src, srcW, srcH, srcStrideBytes, p, luts().f16[p.padValue], static_cast<uint16_t*>(dst));
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
