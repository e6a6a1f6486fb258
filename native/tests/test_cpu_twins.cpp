// CPU twins against straightforward (slow, obviously-right) reference implementations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/candidates.h"
#include "core/error.h"
#include "core/half_element.h"
#include "core/histogram.h"
#include "core/letterbox.h"
#include "core/masks.h"
#include "core/nms.h"
#include "harness.h"

using namespace yoloe;

namespace yoloe_test {

namespace {

// ---------------------------------------------------------------- letterbox
// OpenCV INTER_LINEAR uint8, one output sample at a time, straight from the formulas.
uint8_t refResizePixel(const std::vector<uint8_t>& src, int sw, int sh, int cn, int dw, int dh, int x, int y, int c) {
  auto coef = [](int d, int in, int out, bool clampW, int& i0, int& i1, int& w0, int& w1) {
    const double scale = 1.0 / (static_cast<double>(out) / in);
    float f = static_cast<float>((d + 0.5) * scale - 0.5);
    int s = static_cast<int>(std::floor(f));
    f -= static_cast<float>(s);
    if (clampW && s < 0) s = 0, f = 0;
    if (clampW && s >= in - 1) s = in - 1, f = 0;
    i0 = std::min(std::max(s, 0), in - 1);
    i1 = std::min(std::max(s + 1, 0), in - 1);
    w0 = static_cast<int>(std::nearbyint((1.f - f) * 2048.f));
    w1 = static_cast<int>(std::nearbyint(f * 2048.f));
  };
  int x0, x1, a0, a1, y0, y1, b0, b1;
  coef(x, sw, dw, true, x0, x1, a0, a1);
  coef(y, sh, dh, false, y0, y1, b0, b1);
  auto px = [&](int yy, int xx) { return static_cast<int>(src[(static_cast<size_t>(yy) * sw + xx) * cn + c]); };
  const int s0 = px(y0, x0) * a0 + px(y0, x1) * a1;
  const int s1 = px(y1, x0) * a0 + px(y1, x1) * a1;
  return static_cast<uint8_t>(std::min(255, std::max(0, (((b0 * (s0 >> 4)) >> 16) + ((b1 * (s1 >> 4)) >> 16) + 2) >> 2)));
}

void testResize(Rng& rng) {
  const int sizes[][4] = {{810, 1080, 480, 640}, {17, 9, 40, 23}, {5, 5, 5, 5}, {64, 48, 32, 24}, {1, 1, 7, 3}, {100, 3, 13, 1}, {33, 77, 64, 64}};
  for (const auto& s : sizes) {
    const int sw = s[0], sh = s[1], dw = s[2], dh = s[3];
    for (int cn = 1; cn <= 4; cn += (sw > 100 ? 3 : 1)) {
      std::vector<uint8_t> src(static_cast<size_t>(sw) * sh * cn);
      for (auto& v : src) v = static_cast<uint8_t>(rng.next());
      std::vector<uint8_t> out(static_cast<size_t>(dw) * dh * cn);
      resizeBilinearU8(src.data(), sw, sh, cn, dw, dh, out.data());
      int bad = 0;
      for (int y = 0; y < dh; y++)
        for (int x = 0; x < dw; x++)
          for (int c = 0; c < cn; c++)
            bad += out[(static_cast<size_t>(y) * dw + x) * cn + c] != refResizePixel(src, sw, sh, cn, dw, dh, x, y, c);
      CHECK(bad == 0, "resize %dx%dx%d -> %dx%d: %d samples differ from the reference", sw, sh, cn, dw, dh, bad);
      if (sw == dw && sh == dh) CHECK(out == src, "an unchanged size must be an exact copy");
    }
  }
  // an exact 2x shrink is OpenCV's INTER_AREA shortcut: (a + b + c + d + 2) >> 2
  std::vector<uint8_t> src(64 * 32 * 3), out(32 * 16 * 3);
  for (auto& v : src) v = static_cast<uint8_t>(rng.next());
  resizeBilinearU8(src.data(), 64, 32, 3, 32, 16, out.data());
  int bad = 0;
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 32; x++)
      for (int c = 0; c < 3; c++) {
        auto p = [&](int yy, int xx) { return src[(static_cast<size_t>(yy) * 64 + xx) * 3 + c]; };
        const int want = (p(2 * y, 2 * x) + p(2 * y, 2 * x + 1) + p(2 * y + 1, 2 * x) + p(2 * y + 1, 2 * x + 1) + 2) >> 2;
        bad += out[(static_cast<size_t>(y) * 32 + x) * 3 + c] != want;
      }
  CHECK(bad == 0, "2x shrink differs from the area average in %d samples", bad);
}

void testLetterboxPack(Rng& rng) {
  const int sw = 37, sh = 23;
  std::vector<uint8_t> src(static_cast<size_t>(sw) * sh * 3 + 5 * sh);  // rows padded by 5 bytes
  for (auto& v : src) v = static_cast<uint8_t>(rng.next());
  const int stride = sw * 3 + 5;
  LetterboxParams p;
  p.dstW = 64, p.dstH = 48, p.newW = 64, p.newH = 40, p.left = 0, p.top = 4, p.padValue = 114;
  std::vector<uint8_t> u8(64 * 48 * 3);
  std::vector<float> f32(64 * 48 * 3);
  std::vector<uint16_t> f16(64 * 48 * 3);
  letterbox(src.data(), sw, sh, stride, p, LetterboxOutput::U8_HWC, u8.data());
  letterbox(src.data(), sw, sh, stride, p, LetterboxOutput::F32_CHW, f32.data());
  letterbox(src.data(), sw, sh, stride, p, LetterboxOutput::F16_CHW, f16.data());
  // packed copy of the strided source for the reference
  std::vector<uint8_t> packed(static_cast<size_t>(sw) * sh * 3);
  for (int y = 0; y < sh; y++) std::memcpy(&packed[static_cast<size_t>(y) * sw * 3], &src[static_cast<size_t>(y) * stride], sw * 3);
  int bad = 0, badF = 0, badH = 0;
  for (int y = 0; y < 48; y++)
    for (int x = 0; x < 64; x++)
      for (int c = 0; c < 3; c++) {
        const bool inside = y >= p.top && y < p.top + p.newH && x >= p.left && x < p.left + p.newW;
        const int want = inside ? refResizePixel(packed, sw, sh, 3, p.newW, p.newH, x - p.left, y - p.top, c) : 114;
        bad += u8[(static_cast<size_t>(y) * 64 + x) * 3 + c] != want;
        const size_t chw = static_cast<size_t>(c) * 64 * 48 + static_cast<size_t>(y) * 64 + x;
        badF += f32[chw] != static_cast<float>(want / 255.0);
        badH += f16[chw] != doubleToHalf(want / 255.0);
      }
  CHECK(bad == 0 && badF == 0 && badH == 0, "letterbox: %d u8, %d f32, %d f16 values differ", bad, badF, badH);
  bool threw = false;
  p.left = 1;  // content now overflows the canvas
  try {
    letterbox(src.data(), sw, sh, stride, p, LetterboxOutput::U8_HWC, u8.data());
  } catch (const Error& e) {
    threw = std::strcmp(e.code(), "ERR_SHAPE") == 0;
  }
  CHECK(threw, "a content rectangle outside the canvas must throw ERR_SHAPE");
}

// ---------------------------------------------------------------- fp16
void testHalf(Rng& rng) {
  int bad = 0;
  for (uint32_t h = 0; h < 65536; h++) {
    const float f = halfToFloat(static_cast<uint16_t>(h));
    if (std::isnan(f)) continue;
    bad += floatToHalf(f) != h;
  }
  CHECK(bad == 0, "%d halves do not round-trip", bad);
  bad = 0;
  for (int i = 0; i < 200000; i++) {
    const double d = (rng.uniform(-1.f, 1.f)) * std::ldexp(1.0, rng.uniformInt(-26, 17));
    const uint16_t h = doubleToHalf(d);
    const double got = halfToFloat(h);
    // neighbours in magnitude; the result must be at least as close, ties to the even mantissa
    for (int delta : {-1, 1}) {
      const int nb = static_cast<int>(h & 0x7fff) + delta;
      if (nb < 0 || nb > 0x7bff || std::isinf(got)) continue;
      const double other = halfToFloat(static_cast<uint16_t>((h & 0x8000) | nb));
      const double eg = std::fabs(got - d), eo = std::fabs(other - d);
      if (eo < eg || (eo == eg && (h & 1))) bad++;
    }
    if (std::isinf(got) && std::fabs(d) < 65520.0) bad++;
  }
  CHECK(bad == 0, "%d doubles not rounded to the nearest half", bad);
}

// ---------------------------------------------------------------- candidates
void refScan(const std::vector<float>& head, int C, int N, int nc, bool transposed, double conf, bool multi,
             const std::vector<int>& classes, CandidateList& out) {
  auto at = [&](int k, int a) { return head[transposed ? static_cast<size_t>(a) * C + k : static_cast<size_t>(k) * N + a]; };
  auto allowed = [&](int c) { return classes.empty() || std::find(classes.begin(), classes.end(), c) != classes.end(); };
  for (int a = 0; a < N; a++) {
    // the first maximum among the scores above conf (NaN never counts)
    int best = -1;
    for (int c = 0; c < nc; c++)
      if (static_cast<double>(at(4 + c, a)) > conf && (best < 0 || at(4 + c, a) > at(4 + best, a))) best = c;
    if (best < 0) continue;
    const float cx = at(0, a), cy = at(1, a), w = at(2, a), h = at(3, a);
    const float box[4] = {cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2};
    for (int c = 0; c < nc; c++) {
      const bool take = multi ? static_cast<double>(at(4 + c, a)) > conf : c == best;
      if (!take || !allowed(c)) continue;
      out.boxes.insert(out.boxes.end(), box, box + 4);
      out.scores.push_back(at(4 + c, a));
      out.classIds.push_back(c);
      out.indices.push_back(a);
    }
  }
}

bool sameList(const CandidateList& a, const CandidateList& b) {
  return a.boxes == b.boxes && a.scores == b.scores && a.classIds == b.classIds && a.indices == b.indices;
}

void testCandidates(Rng& rng) {
  for (int trial = 0; trial < 24; trial++) {
    const int nc = rng.uniformInt(1, 12), nm = rng.uniformInt(0, 3), N = rng.uniformInt(0, 300);
    const int C = 4 + nc + nm;
    const bool transposed = trial % 2 == 1, multi = trial % 3 == 0;
    std::vector<float> head(static_cast<size_t>(C) * N);
    for (auto& v : head) v = rng.uniformInt(0, 60) == 0 ? NAN : rng.uniform(0.f, 1.f);  // NaN scores never win
    for (int a = 0; a < N; a++)
      for (int k = 0; k < 4; k++) head[transposed ? static_cast<size_t>(a) * C + k : static_cast<size_t>(k) * N + a] = rng.uniform(0.f, 640.f);
    std::vector<int> classes;
    ScanOptions o;
    o.conf = trial % 4 == 0 ? 0.3 : 0.75;
    o.multiLabel = multi;
    if (trial % 5 == 2) {
      classes = {0, nc - 1, nc + 3};
      o.filterClasses = true;
      o.allowed.assign(static_cast<size_t>(nc), 0);
      for (int c : classes)
        if (c < nc) o.allowed[static_cast<size_t>(c)] = 1;
    }
    CandidateList want;
    refScan(head, C, N, nc, transposed, o.conf, multi, classes, want);
    const CandidateList got = scanRawHead(head.data(), HeadShape{C, N, nc, transposed}, o);
    CHECK(sameList(got, want), "scan trial %d: %zu candidates, reference %zu", trial, got.size(), want.size());
    // fp16 head: the same scan after widening
    std::vector<uint16_t> half(head.size());
    std::vector<float> widened(head.size());
    for (size_t i = 0; i < head.size(); i++) half[i] = floatToHalf(head[i]), widened[i] = halfToFloat(half[i]);
    CandidateList wantH;
    refScan(widened, C, N, nc, transposed, o.conf, multi, classes, wantH);
    CHECK(sameList(scanRawHead(half.data(), HeadShape{C, N, nc, transposed}, o), wantH), "fp16 scan trial %d", trial);
    // cap: the best maxNms by a stable sort
    if (want.size() > 3) {
      o.maxNms = 3;
      const CandidateList capped = scanRawHead(head.data(), HeadShape{C, N, nc, transposed}, o);
      std::vector<size_t> order(want.size());
      for (size_t i = 0; i < order.size(); i++) order[i] = i;
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return want.scores[a] > want.scores[b]; });
      bool ok = capped.size() == 3;
      for (size_t i = 0; ok && i < 3; i++) ok = capped.indices[i] == want.indices[order[i]] && capped.classIds[i] == want.classIds[order[i]];
      CHECK(ok, "maxNms cap trial %d", trial);
    }
  }
}

// ---------------------------------------------------------------- NMS
std::vector<int32_t> refNms(const std::vector<float>& boxes, const std::vector<float>& scores, const std::vector<int32_t>& cls,
                            double iou, int maxDet, bool agnostic) {
  std::vector<int32_t> order(scores.size());
  for (size_t i = 0; i < order.size(); i++) order[i] = static_cast<int32_t>(i);
  std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return scores[a] > scores[b]; });
  auto shifted = [&](int32_t i, int k) { return boxes[4 * i + k] + (agnostic ? 0.f : static_cast<float>(cls[i]) * 7680.f); };
  std::vector<int32_t> kept;
  for (int32_t i : order) {
    if (static_cast<int>(kept.size()) >= maxDet) break;
    bool keep = true;
    for (int32_t k : kept) {
      const float ix1 = std::max(shifted(i, 0), shifted(k, 0)), iy1 = std::max(shifted(i, 1), shifted(k, 1));
      const float ix2 = std::min(shifted(i, 2), shifted(k, 2)), iy2 = std::min(shifted(i, 3), shifted(k, 3));
      const float w = ix2 - ix1, h = iy2 - iy1;
      if (!(w > 0) || !(h > 0)) continue;
      const float inter = w * h;
      const float ai = (shifted(i, 2) - shifted(i, 0)) * (shifted(i, 3) - shifted(i, 1));
      const float ak = (shifted(k, 2) - shifted(k, 0)) * (shifted(k, 3) - shifted(k, 1));
      if (static_cast<double>(inter / ((ak + ai) - inter)) > iou) keep = false;
    }
    if (keep) kept.push_back(i);
  }
  return kept;
}

void testNms(Rng& rng) {
  for (int trial = 0; trial < 40; trial++) {
    const int n = rng.uniformInt(0, 400);
    std::vector<float> boxes(4 * static_cast<size_t>(n)), scores(static_cast<size_t>(n));
    std::vector<int32_t> cls(static_cast<size_t>(n));
    for (int i = 0; i < n; i++) {
      const float x = rng.uniform(0, 600), y = rng.uniform(0, 600), w = rng.uniform(1, 120), h = rng.uniform(1, 120);
      boxes[4 * i] = x, boxes[4 * i + 1] = y, boxes[4 * i + 2] = x + w, boxes[4 * i + 3] = y + h;
      scores[static_cast<size_t>(i)] = static_cast<float>(rng.uniformInt(0, 50)) / 50.f;  // many ties
      cls[static_cast<size_t>(i)] = rng.uniformInt(0, 3);
    }
    NmsOptions o;
    o.iou = trial % 3 == 0 ? 0.45 : 0.7;
    o.maxDet = trial % 4 == 0 ? 5 : 300;
    o.agnostic = trial % 2 == 0;
    const auto got = nms(boxes.data(), scores.data(), cls.data(), static_cast<size_t>(n), o);
    const auto want = refNms(boxes, scores, cls, o.iou, static_cast<int>(o.maxDet), o.agnostic);
    CHECK(got == want, "nms trial %d: kept %zu, reference %zu", trial, got.size(), want.size());
  }
}

// ---------------------------------------------------------------- masks
// The full computation of lib/decode/masks.ts, every pixel, no regions.
std::vector<uint8_t> refMask(const std::vector<float>& protos, const MaskProtoShape& s, const float* coeffs, const float* box,
                             const MaskGeometry& g, bool retina) {
  const int64_t plane = static_cast<int64_t>(s.ph) * s.pw;
  std::vector<float> logits(static_cast<size_t>(plane));
  for (int r = 0; r < s.ph; r++)
    for (int c = 0; c < s.pw; c++) logits[static_cast<size_t>(r) * s.pw + c] = protoLogit(protos.data(), s.nm, plane, s.pw, coeffs, r, c);
  auto resizeFull = [](const std::vector<float>& in, int ih, int iw, int oh, int ow) {
    std::vector<float> out(static_cast<size_t>(oh) * ow);
    for (int y = 0; y < oh; y++)
      for (int x = 0; x < ow; x++) {
        const AxisTap ry = torchLinearTap(ih, oh, y), cx = torchLinearTap(iw, ow, x);
        auto v = [&](int r, int c) { return in[static_cast<size_t>(r) * iw + c]; };
        out[static_cast<size_t>(y) * ow + x] =
            lerp32(lerp32(v(ry.i0, cx.i0), v(ry.i0, cx.i1), cx.w0, cx.w1), lerp32(v(ry.i1, cx.i0), v(ry.i1, cx.i1), cx.w0, cx.w1), ry.w0, ry.w1);
      }
    return out;
  };
  auto cropOf = [](const std::vector<float>& in, int iw, const PadCrop& c) {
    std::vector<float> out(static_cast<size_t>(c.height) * c.width);
    for (int y = 0; y < c.height; y++)
      for (int x = 0; x < c.width; x++) out[static_cast<size_t>(y) * c.width + x] = in[static_cast<size_t>(y + c.top) * iw + x + c.left];
    return out;
  };
  std::vector<uint8_t> out(static_cast<size_t>(g.srcW) * g.srcH, 0);
  if (retina) {
    const PadCrop c = padCrop(s.ph, s.pw, g.srcH, g.srcW);
    if (c.height <= 0 || c.width <= 0) return out;
    const auto up = resizeFull(cropOf(logits, s.pw, c), c.height, c.width, g.srcH, g.srcW);
    const float r = static_cast<float>(g.ratio);
    auto clip = [](float v, float hi) { return v < 0 ? 0.f : (v > hi ? hi : v); };
    const float bx1 = clip((box[0] - g.left) / r, g.srcW), by1 = clip((box[1] - g.top) / r, g.srcH);
    const float bx2 = clip((box[2] - g.left) / r, g.srcW), by2 = clip((box[3] - g.top) / r, g.srcH);
    for (int y = 0; y < g.srcH; y++)
      for (int x = 0; x < g.srcW; x++)
        out[static_cast<size_t>(y) * g.srcW + x] = (x >= bx1 && x < bx2 && y >= by1 && y < by2 && up[static_cast<size_t>(y) * g.srcW + x] > 0) ? 1 : 0;
    return out;
  }
  const auto up = resizeFull(logits, s.ph, s.pw, g.dstH, g.dstW);
  std::vector<float> bin(up.size());
  for (int y = 0; y < g.dstH; y++)
    for (int x = 0; x < g.dstW; x++)
      bin[static_cast<size_t>(y) * g.dstW + x] = (x >= box[0] && x < box[2] && y >= box[1] && y < box[3] && up[static_cast<size_t>(y) * g.dstW + x] > 0) ? 1.f : 0.f;
  const PadCrop c = padCrop(g.dstH, g.dstW, g.srcH, g.srcW);
  if (c.height <= 0 || c.width <= 0) return out;
  const auto fin = resizeFull(cropOf(bin, g.dstW, c), c.height, c.width, g.srcH, g.srcW);
  for (size_t i = 0; i < out.size(); i++) out[i] = fin[i] > 0.5f ? 1 : 0;
  return out;
}

void testMasks(Rng& rng) {
  struct Case {
    int srcW, srcH, dstW, dstH, ph, pw;
  };
  const Case cases[] = {{81, 108, 64, 64, 16, 16}, {128, 72, 96, 64, 24, 16}, {50, 50, 32, 32, 8, 8}, {33, 20, 64, 48, 16, 12}};
  for (const Case& k : cases) {
    for (int retina = 0; retina < 2; retina++) {
      MaskProtoShape s{rng.uniformInt(1, 6), k.ph, k.pw};
      MaskGeometry g;
      g.srcW = k.srcW, g.srcH = k.srcH, g.dstW = k.dstW, g.dstH = k.dstH;
      g.ratio = std::min(static_cast<double>(k.dstH) / k.srcH, static_cast<double>(k.dstW) / k.srcW);
      const int nw = static_cast<int>(std::nearbyint(k.srcW * g.ratio)), nh = static_cast<int>(std::nearbyint(k.srcH * g.ratio));
      g.left = static_cast<int>(std::nearbyint((k.dstW - nw) / 2.0 - 0.1));
      g.top = static_cast<int>(std::nearbyint((k.dstH - nh) / 2.0 - 0.1));
      std::vector<float> protos(static_cast<size_t>(s.nm) * s.ph * s.pw);
      for (auto& v : protos) v = rng.uniform(-1, 1);
      const int n = 6;
      std::vector<float> coeffs(static_cast<size_t>(n) * s.nm), boxes(4 * n);
      for (auto& v : coeffs) v = rng.uniform(-1, 1);
      coeffs[0] = 0.f;  // a zero coefficient is skipped, as in the TS reference
      for (int d = 0; d < n; d++) {
        const float x = rng.uniform(-5, static_cast<float>(k.dstW)), y = rng.uniform(-5, static_cast<float>(k.dstH));
        boxes[4 * d] = x, boxes[4 * d + 1] = y, boxes[4 * d + 2] = x + rng.uniform(0, 40), boxes[4 * d + 3] = y + rng.uniform(0, 40);
      }
      const auto masks = assembleMasks(protos.data(), s, coeffs.data(), boxes.data(), n, g, retina != 0);
      for (int d = 0; d < n; d++) {
        const auto want = refMask(protos, s, &coeffs[static_cast<size_t>(d) * s.nm], &boxes[4 * d], g, retina != 0);
        std::vector<uint8_t> full(want.size(), 0);
        const CompactMask& m = masks[static_cast<size_t>(d)];
        for (int y = m.y0; y < m.y1; y++)
          for (int x = m.x0; x < m.x1; x++) full[static_cast<size_t>(y) * g.srcW + x] = m.data[static_cast<size_t>(y - m.y0) * (m.x1 - m.x0) + (x - m.x0)];
        int diff = 0;
        for (size_t i = 0; i < full.size(); i++) diff += full[i] != want[i];
        CHECK(diff == 0, "mask %d (%dx%d, retina %d): %d pixels differ from the full computation", d, k.srcW, k.srcH, retina, diff);
      }
    }
  }
}

// ---------------------------------------------------------------- histogram
void testHistogram(Rng& rng) {
  std::vector<float> v(10000);
  for (auto& x : v) x = rng.uniform(-3, 3);
  v[5] = NAN;
  v[6] = 1e9f;
  std::vector<double> counts(2048, 0), want(2048, 0);
  const HistogramStats s = accumulateAbsHistogram(v.data(), v.size(), 2.5, counts.data(), 2048);
  double maxAbs = 0, clipped = 0;
  for (float x : v) {
    if (std::isnan(x)) continue;
    const double a = std::fabs(static_cast<double>(x));
    maxAbs = std::max(maxAbs, a);
    clipped += a > 2.5;
    want[static_cast<size_t>(std::min(2047.0, std::floor(a * (2048 / 2.5))))] += 1;
  }
  CHECK(counts == want && s.count == 9999 && s.nan == 1 && s.maxAbs == maxAbs && s.clipped == clipped, "histogram differs");
}

}  // namespace

int runCpuTwinTests() {
  Rng rng(20251128);
  testResize(rng);
  testLetterboxPack(rng);
  testHalf(rng);
  testCandidates(rng);
  testNms(rng);
  testMasks(rng);
  testHistogram(rng);
  return 0;
}

}  // namespace yoloe_test
