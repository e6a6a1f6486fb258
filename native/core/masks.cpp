#include "masks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "error.h"
#include "masks_rows.h"

namespace yoloe {

namespace {

inline double pyRound(double x) { return std::nearbyint(x); }  // ties to even, like Python's round

// JavaScript's Math.max / Math.min: NaN wins
inline double jsMax(double a, double b) { return (a != a || b != b) ? NAN : (a > b ? a : b); }
inline double jsMin(double a, double b) { return (a != a || b != b) ? NAN : (a < b ? a : b); }

// Integer indices i with lo <= i < hi, clipped to [0, size); [0, 0) when empty or NaN.
void integerSpan(double lo, double hi, int size, int& start, int& end) {
  const double s = jsMax(0.0, std::ceil(lo));
  const double e = jsMin(static_cast<double>(size), std::ceil(hi));
  if (e > s) {
    start = static_cast<int>(s);
    end = static_cast<int>(e);
  } else {
    start = end = 0;
  }
}

std::vector<AxisTap> axis(int inSize, int outSize) {
  std::vector<AxisTap> t(static_cast<size_t>(outSize));
  for (int d = 0; d < outSize; d++) t[static_cast<size_t>(d)] = torchLinearTap(inSize, outSize, d);
  return t;
}

// Output indices whose samples touch [lo, hi) of the input.
void outputSpan(const std::vector<AxisTap>& a, int lo, int hi, int& start, int& end) {
  const int n = static_cast<int>(a.size());
  start = 0;
  while (start < n && a[static_cast<size_t>(start)].i1 < lo) start++;
  end = start;
  while (end < n && a[static_cast<size_t>(end)].i0 < hi) end++;
}

float clipTo(float v, float hi) { return v < 0.f ? 0.f : (v > hi ? hi : v); }

// lib/decode/boxes.ts scaleXyxyToOriginal, float32
void boxToOriginal(const float* b, const MaskGeometry& g, float* out) {
  const float r = static_cast<float>(g.ratio);
  const float L = static_cast<float>(g.left), T = static_cast<float>(g.top);
  out[0] = clipTo((b[0] - L) / r, static_cast<float>(g.srcW));
  out[1] = clipTo((b[1] - T) / r, static_cast<float>(g.srcH));
  out[2] = clipTo((b[2] - L) / r, static_cast<float>(g.srcW));
  out[3] = clipTo((b[3] - T) / r, static_cast<float>(g.srcH));
}

// Reused buffers of one assembleMasks call.
struct Scratch {
  std::vector<int32_t> i0, i1;  // column taps of the destination span, relative to the row buffer
  std::vector<float> w0, w1;
  std::vector<float> full;      // lerp32(1, 1) per column: the pass inside a run of ones
  std::vector<int32_t> xFromI1; // first column whose second tap is >= j, j = 0..span
  std::vector<float> row;       // one source row, zero outside the region
  std::vector<uint8_t> bits;    // one binary source row, zero outside the region
  std::vector<float> pass;      // the column pass of every source row
  std::vector<float> zeros;     // a source row outside the region
};

// First index >= j whose byte differs from `a` (0 or 1), or n; eight bytes per step in runs.
int nextDifferent(const uint8_t* bits, int j, int n, uint8_t a) {
  const uint64_t pattern = a ? 0x0101010101010101ULL : 0;
  while (j + 8 <= n) {
    uint64_t word;
    std::memcpy(&word, bits + j, 8);
    if (word != pattern) break;
    j += 8;
  }
  while (j < n && bits[j] == a) j++;
  return j;
}

// The column pass of a 0/1 source row: where both taps lie in one run it is 0 or lerp32(1, 1)
// (filled a run at a time), elsewhere lerp32 of the two values, as for any row.
void binaryColumnPass(const uint8_t* bits, int span, const Scratch& s, int ow, float* out) {
  int x = 0;
  while (x < ow) {
    const int j = s.i0[static_cast<size_t>(x)];
    const uint8_t a = bits[j];
    if (bits[s.i1[static_cast<size_t>(x)]] != a) {
      out[x] = lerp32(static_cast<float>(a), static_cast<float>(bits[s.i1[static_cast<size_t>(x)]]), s.w0[static_cast<size_t>(x)],
                      s.w1[static_cast<size_t>(x)]);
      x++;
      continue;
    }
    // columns whose taps both fall in [j, t) see only `a`
    const int t = nextDifferent(bits, j + 1, span, a);
    const int end = t >= span ? ow : s.xFromI1[static_cast<size_t>(t)];
    if (a) std::copy(s.full.begin() + x, s.full.begin() + end, out + x);
    else std::fill(out + x, out + end, 0.f);
    x = end;
  }
}

// A region of float values (the logits).
template <typename Load>
struct FloatRows {
  static constexpr bool kBinary = false;
  Load load;  // load(r, c0, c1, float* dst): region row r, columns [c0, c1)
};

// A region of 0/1 bytes (the input-space binary mask).
template <typename Load>
struct BinaryRows {
  static constexpr bool kBinary = true;
  Load load;  // load(r, c0, c1, uint8_t* dst)
};

template <typename Load>
FloatRows<Load> floatRows(Load l) { return FloatRows<Load>{l}; }
template <typename Load>
BinaryRows<Load> binaryRows(Load l) { return BinaryRows<Load>{l}; }

// Separable resize of a region into output rows/cols of `out` (a CompactMask), keeping
// v > threshold. Same floats as bilinearFromRegion: columns first (lerp32 of the two taps, 0
// outside the region), then rows.
template <typename Rows>
void resizeRegion(const Rows& source, const GridRegion& src, const std::vector<AxisTap>& rows, const std::vector<AxisTap>& cols,
                  const GridRegion& dst, float threshold, uint8_t* out, Scratch& s) {
  const int ow = dst.c1 - dst.c0;
  if (ow <= 0 || dst.r1 <= dst.r0) return;
  // the row buffer spans every column the destination taps read (taps are monotonic)
  const int base = cols[static_cast<size_t>(dst.c0)].i0;
  const int span = cols[static_cast<size_t>(dst.c1 - 1)].i1 + 1 - base;
  s.i0.resize(static_cast<size_t>(ow)), s.i1.resize(static_cast<size_t>(ow)), s.w0.resize(static_cast<size_t>(ow)), s.w1.resize(static_cast<size_t>(ow));
  for (int x = 0; x < ow; x++) {
    const AxisTap& cx = cols[static_cast<size_t>(dst.c0 + x)];
    s.i0[static_cast<size_t>(x)] = cx.i0 - base;
    s.i1[static_cast<size_t>(x)] = cx.i1 - base;
    s.w0[static_cast<size_t>(x)] = cx.w0;
    s.w1[static_cast<size_t>(x)] = cx.w1;
  }
  const int c0 = std::max(src.c0, base), c1 = std::min(src.c1, base + span);
  const size_t srcRows = static_cast<size_t>(std::max(0, src.r1 - src.r0));
  s.pass.resize(srcRows * static_cast<size_t>(ow));
  if constexpr (Rows::kBinary) {
    s.full.resize(static_cast<size_t>(ow));
    for (int x = 0; x < ow; x++) s.full[static_cast<size_t>(x)] = lerp32(1.f, 1.f, s.w0[static_cast<size_t>(x)], s.w1[static_cast<size_t>(x)]);
    s.xFromI1.resize(static_cast<size_t>(span) + 1);
    for (int j = 0, x = 0; j <= span; j++) {
      while (x < ow && s.i1[static_cast<size_t>(x)] < j) x++;
      s.xFromI1[static_cast<size_t>(j)] = x;
    }
    s.bits.assign(static_cast<size_t>(span), 0);
  } else {
    s.row.assign(static_cast<size_t>(span), 0.f);
  }
  for (int r = src.r0; r < src.r1; r++) {
    float* p = &s.pass[static_cast<size_t>(r - src.r0) * static_cast<size_t>(ow)];
    if constexpr (Rows::kBinary) {
      if (c1 > c0) source.load(r, c0, c1, s.bits.data() + (c0 - base));
      binaryColumnPass(s.bits.data(), span, s, ow, p);
    } else {
      if (c1 > c0) source.load(r, c0, c1, s.row.data() + (c0 - base));
      columnPass(s.row.data(), s.i0.data(), s.i1.data(), s.w0.data(), s.w1.data(), ow, p);
    }
  }
  s.zeros.assign(static_cast<size_t>(ow), 0.f);
  for (int y = dst.r0; y < dst.r1; y++) {
    const AxisTap& ry = rows[static_cast<size_t>(y)];
    const float* pa = (ry.i0 >= src.r0 && ry.i0 < src.r1) ? &s.pass[static_cast<size_t>(ry.i0 - src.r0) * static_cast<size_t>(ow)] : s.zeros.data();
    const float* pb = (ry.i1 >= src.r0 && ry.i1 < src.r1) ? &s.pass[static_cast<size_t>(ry.i1 - src.r0) * static_cast<size_t>(ow)] : s.zeros.data();
    rowPass(pa, pb, ry.w0, ry.w1, ow, threshold, out + static_cast<size_t>(y - dst.r0) * static_cast<size_t>(ow));
  }
}

// Logits of one region: logits[r][c] = protoLogit(..., r + rowOffset, c + colOffset), with the
// cells of a row accumulated side by side (same double operations per cell, k ascending).
void regionLogits(const float* protos, const MaskProtoShape& s, const float* coeffs, const GridRegion& L, int rowOffset, int colOffset,
                  std::vector<double>& acc, std::vector<float>& logits) {
  const int lw = L.c1 - L.c0;
  const size_t plane = static_cast<size_t>(s.ph) * static_cast<size_t>(s.pw);
  acc.resize(static_cast<size_t>(lw));
  logits.resize(static_cast<size_t>(L.r1 - L.r0) * static_cast<size_t>(lw));
  for (int r = L.r0; r < L.r1; r++) {
    std::fill(acc.begin(), acc.end(), 0.0);
    const size_t at = static_cast<size_t>(r + rowOffset) * static_cast<size_t>(s.pw) + static_cast<size_t>(L.c0 + colOffset);
    for (int k = 0; k < s.nm; k++) {
      const float ck = coeffs[k];
      if (ck == 0.f) continue;
      accumulateRow(acc.data(), static_cast<double>(ck), protos + static_cast<size_t>(k) * plane + at, lw);
    }
    float* out = &logits[static_cast<size_t>(r - L.r0) * static_cast<size_t>(lw)];
    for (int c = 0; c < lw; c++) out[c] = static_cast<float>(acc[static_cast<size_t>(c)]);
  }
}

}  // namespace

PadCrop padCrop(int inH, int inW, int outH, int outW) {
  const double g = std::min(static_cast<double>(inH) / outH, static_cast<double>(inW) / outW);
  const double padW = (inW - pyRound(outW * g)) / 2;
  const double padH = (inH - pyRound(outH * g)) / 2;
  PadCrop c;
  c.top = static_cast<int>(pyRound(padH - 0.1));
  c.left = static_cast<int>(pyRound(padW - 0.1));
  c.height = inH - static_cast<int>(pyRound(padH + 0.1)) - c.top;
  c.width = inW - static_cast<int>(pyRound(padW + 0.1)) - c.left;
  return c;
}

void validateMasks(const MaskProtoShape& s, const MaskGeometry& g) {
  if (s.nm < 1 || s.ph < 1 || s.pw < 1) throw Error("ERR_SHAPE", "protos must be [nm >= 1, ph >= 1, pw >= 1]");
  if (g.dstW < 1 || g.dstH < 1 || g.srcW < 1 || g.srcH < 1) throw Error("ERR_SHAPE", "mask geometry sizes must be >= 1");
  if (!(g.ratio > 0) || !std::isfinite(g.ratio)) throw Error("ERR_INVALID_OPTION", "letterbox ratio must be a finite number > 0");
  checkedMul(static_cast<uint64_t>(s.nm), static_cast<uint64_t>(s.ph), static_cast<uint64_t>(s.pw), "protos size");
  checkedMul(static_cast<uint64_t>(g.srcW), static_cast<uint64_t>(g.srcH), "mask size");
}

std::vector<MaskPlan> planMasks(const MaskProtoShape& s, const float* boxes, size_t n, const MaskGeometry& g, bool retina) {
  validateMasks(s, g);
  std::vector<MaskPlan> plans(n);
  const int H = g.dstH, W = g.dstW, h = g.srcH, w = g.srcW;
  if (retina) {
    const PadCrop crop = padCrop(s.ph, s.pw, h, w);
    if (crop.height <= 0 || crop.width <= 0) return plans;
    const std::vector<AxisTap> rows = axis(crop.height, h), cols = axis(crop.width, w);
    for (size_t d = 0; d < n; d++) {
      float ob[4];
      boxToOriginal(boxes + 4 * d, g, ob);
      MaskPlan& p = plans[d];
      integerSpan(ob[0], ob[2], w, p.output.c0, p.output.c1);
      integerSpan(ob[1], ob[3], h, p.output.r0, p.output.r1);
      if (p.output.c1 == p.output.c0 || p.output.r1 == p.output.r0) continue;
      p.logits = {rows[static_cast<size_t>(p.output.r0)].i0, rows[static_cast<size_t>(p.output.r1 - 1)].i1 + 1,
                  cols[static_cast<size_t>(p.output.c0)].i0, cols[static_cast<size_t>(p.output.c1 - 1)].i1 + 1};
      p.protoRowOffset = crop.top;
      p.protoColOffset = crop.left;
      p.empty = false;
    }
    return plans;
  }
  const std::vector<AxisTap> upRows = axis(s.ph, H), upCols = axis(s.pw, W);
  const PadCrop crop = padCrop(H, W, h, w);
  if (crop.height <= 0 || crop.width <= 0) return plans;
  const std::vector<AxisTap> rows = axis(crop.height, h), cols = axis(crop.width, w);
  for (size_t d = 0; d < n; d++) {
    const float* b = boxes + 4 * d;
    MaskPlan& p = plans[d];
    GridRegion in{};
    integerSpan(b[0], b[2], W, in.c0, in.c1);
    integerSpan(b[1], b[3], H, in.r0, in.r1);
    in.c0 = std::max(in.c0, crop.left);
    in.c1 = std::min(in.c1, crop.left + crop.width);
    in.r0 = std::max(in.r0, crop.top);
    in.r1 = std::min(in.r1, crop.top + crop.height);
    if (in.c1 <= in.c0 || in.r1 <= in.r0) continue;
    p.logits = {upRows[static_cast<size_t>(in.r0)].i0, upRows[static_cast<size_t>(in.r1 - 1)].i1 + 1,
                upCols[static_cast<size_t>(in.c0)].i0, upCols[static_cast<size_t>(in.c1 - 1)].i1 + 1};
    p.binary = in;
    outputSpan(rows, in.r0 - crop.top, in.r1 - crop.top, p.output.r0, p.output.r1);
    outputSpan(cols, in.c0 - crop.left, in.c1 - crop.left, p.output.c0, p.output.c1);
    if (p.output.r1 <= p.output.r0 || p.output.c1 <= p.output.c0) {
      p.output = {0, 0, 0, 0};
      continue;
    }
    p.empty = false;
  }
  return plans;
}

namespace {

// Fills each non-empty plan's output rectangle at outs[d] (row-major, (r1 - r0) x (c1 - c0)).
void fillMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, size_t n, const MaskGeometry& g, bool retina,
               const std::vector<MaskPlan>& plans, uint8_t* const* outs) {
  const int H = g.dstH, W = g.dstW, h = g.srcH, w = g.srcW;
  const PadCrop crop = retina ? padCrop(s.ph, s.pw, h, w) : padCrop(H, W, h, w);
  std::vector<AxisTap> upRows, upCols, rows, cols;
  if (crop.height > 0 && crop.width > 0) {
    rows = axis(crop.height, h);
    cols = axis(crop.width, w);
    if (!retina) {
      upRows = axis(s.ph, H);
      upCols = axis(s.pw, W);
    }
  }
  std::vector<float> logits;
  std::vector<double> acc;
  std::vector<uint8_t> binary;
  Scratch scratch;
  for (size_t d = 0; d < n; d++) {
    const MaskPlan& p = plans[d];
    if (p.empty) continue;
    uint8_t* const mask = outs[d];
    const GridRegion& L = p.logits;
    const int lw = L.c1 - L.c0;
    regionLogits(protos, s, coeffs + d * static_cast<size_t>(s.nm), L, p.protoRowOffset, p.protoColOffset, acc, logits);
    auto loadLogits = [&](int r, int c0, int c1, float* dst) {
      const float* row = &logits[static_cast<size_t>(r - L.r0) * static_cast<size_t>(lw)];
      std::copy(row + (c0 - L.c0), row + (c1 - L.c0), dst);
    };
    if (retina) {
      resizeRegion(floatRows(loadLogits), L, rows, cols, p.output, 0.f, mask, scratch);
      continue;
    }
    const GridRegion& B = p.binary;
    const int bw = B.c1 - B.c0;
    binary.resize(static_cast<size_t>(B.r1 - B.r0) * static_cast<size_t>(bw));
    resizeRegion(floatRows(loadLogits), L, upRows, upCols, B, 0.f, binary.data(), scratch);
    // the binary region in pad-crop coordinates
    const GridRegion Bc{B.r0 - crop.top, B.r1 - crop.top, B.c0 - crop.left, B.c1 - crop.left};
    auto loadBinary = [&](int r, int c0, int c1, uint8_t* dst) {
      const uint8_t* row = &binary[static_cast<size_t>(r - Bc.r0) * static_cast<size_t>(bw)];
      std::copy(row + (c0 - Bc.c0), row + (c1 - Bc.c0), dst);
    };
    resizeRegion(binaryRows(loadBinary), Bc, rows, cols, p.output, 0.5f, mask, scratch);
  }
}

size_t maskBytes(const MaskPlan& p) {
  return p.empty ? 0 : static_cast<size_t>(p.output.r1 - p.output.r0) * static_cast<size_t>(p.output.c1 - p.output.c0);
}

}  // namespace

std::vector<CompactMask> assembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const float* boxes,
                                       size_t n, const MaskGeometry& g, bool retina) {
  const std::vector<MaskPlan> plans = planMasks(s, boxes, n, g, retina);
  std::vector<CompactMask> out(n);
  std::vector<uint8_t*> outs(n, nullptr);
  for (size_t d = 0; d < n; d++) {
    const MaskPlan& p = plans[d];
    if (p.empty) continue;
    CompactMask& m = out[d];
    m.x0 = p.output.c0, m.x1 = p.output.c1, m.y0 = p.output.r0, m.y1 = p.output.r1;
    m.data.resize(maskBytes(p));
    outs[d] = m.data.data();
  }
  fillMasks(protos, s, coeffs, n, g, retina, plans, outs.data());
  return out;
}

PackedMasks assembleMasksPacked(const float* protos, const MaskProtoShape& s, const float* coeffs, const float* boxes, size_t n,
                                const MaskGeometry& g, bool retina) {
  const std::vector<MaskPlan> plans = planMasks(s, boxes, n, g, retina);
  PackedMasks out;
  out.regions.assign(4 * n, 0);
  for (size_t d = 0; d < n; d++) {
    const MaskPlan& p = plans[d];
    if (p.empty) continue;
    int32_t* r = &out.regions[4 * d];
    r[0] = p.output.c0, r[1] = p.output.r0, r[2] = p.output.c1, r[3] = p.output.r1;
    out.size = static_cast<size_t>(checkedAdd(out.size, maskBytes(p), "mask bytes"));
  }
  // every byte is written below: no zero fill
  out.data.reset(new uint8_t[out.size > 0 ? out.size : 1]);
  std::vector<uint8_t*> outs(n, nullptr);
  for (size_t d = 0, at = 0; d < n; d++) {
    if (plans[d].empty) continue;
    outs[d] = out.data.get() + at;
    at += maskBytes(plans[d]);
  }
  fillMasks(protos, s, coeffs, n, g, retina, plans, outs.data());
  return out;
}



}  // namespace yoloe
