// Randomized robustness test of the CPU twins: odd sizes, garbage tensors (NaN, inf, huge,
// negative), inconsistent geometry. Every call must either succeed with in-bounds output or
// throw yoloe::Error; run under -fsanitize=address,undefined by `npm run test:sanitize`.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "core/candidates.h"
#include "core/error.h"
#include "core/histogram.h"
#include "core/letterbox.h"
#include "core/masks.h"
#include "core/nms.h"
#include "harness.h"

namespace yoloe_test {
int failures = 0;
int checks = 0;
}  // namespace yoloe_test

using namespace yoloe;
using yoloe_test::Rng;

namespace {

float garbage(Rng& rng) {
  switch (rng.uniformInt(0, 9)) {
    case 0: return NAN;
    case 1: return INFINITY;
    case 2: return -INFINITY;
    case 3: return std::numeric_limits<float>::max();
    case 4: return -1e30f;
    case 5: return std::numeric_limits<float>::denorm_min();
    default: return rng.uniform(-700, 700);
  }
}

int thrown = 0;

template <typename F>
void guarded(F f) {
  try {
    f();
  } catch (const Error& e) {
    thrown++;
    CHECK(e.code() != nullptr && std::strncmp(e.code(), "ERR_", 4) == 0, "error without a code: %s", e.what());
  }
}

void fuzzLetterbox(Rng& rng) {
  const int sw = rng.uniformInt(1, 70), sh = rng.uniformInt(1, 70);
  std::vector<uint8_t> src(static_cast<size_t>(sw) * sh * 3);
  for (auto& v : src) v = static_cast<uint8_t>(rng.next());
  LetterboxParams p;
  p.dstW = rng.uniformInt(-2, 90), p.dstH = rng.uniformInt(-2, 90);
  p.newW = rng.uniformInt(-2, 90), p.newH = rng.uniformInt(-2, 90);
  p.left = rng.uniformInt(-3, 40), p.top = rng.uniformInt(-3, 40), p.padValue = rng.uniformInt(-5, 300);
  const size_t cap = static_cast<size_t>(std::max(p.dstW, 0)) * static_cast<size_t>(std::max(p.dstH, 0)) * 3;
  std::vector<float> out(cap + 1);
  const int kind = rng.uniformInt(0, 2);
  guarded([&] { letterbox(src.data(), sw, sh, sw * 3, p, static_cast<LetterboxOutput>(kind), out.data()); });
}

void fuzzScanNms(Rng& rng) {
  const int nc = rng.uniformInt(0, 9), nm = rng.uniformInt(0, 4), n = rng.uniformInt(0, 200);
  const int C = rng.uniformInt(0, 1) ? 4 + nc + nm : rng.uniformInt(0, 12);  // sometimes inconsistent
  std::vector<float> head(static_cast<size_t>(std::max(C, 0)) * static_cast<size_t>(n));
  for (auto& v : head) v = garbage(rng);
  ScanOptions o;
  o.conf = rng.uniform(-1, 1);
  o.multiLabel = rng.uniformInt(0, 1) == 1;
  o.maxNms = rng.uniformInt(-1, 50);
  o.filterClasses = rng.uniformInt(0, 1) == 1;
  o.allowed.assign(static_cast<size_t>(rng.uniformInt(0, 12)), 1);
  guarded([&] {
    const CandidateList c = scanRawHead(head.data(), HeadShape{C, n, nc, rng.uniformInt(0, 1) == 1}, o);
    CHECK(c.boxes.size() == 4 * c.size() && c.classIds.size() == c.size() && c.indices.size() == c.size(), "ragged candidate list");
    for (size_t i = 0; i < c.size(); i++) CHECK(c.indices[i] >= 0 && c.indices[i] < n && c.classIds[i] >= 0 && c.classIds[i] < nc, "index out of range");
    NmsOptions no;
    no.iou = rng.uniform(-0.5f, 1.5f);
    no.maxDet = rng.uniformInt(-1, 40);
    no.agnostic = rng.uniformInt(0, 1) == 1;
    const auto kept = nms(c.boxes.data(), c.scores.data(), c.classIds.data(), c.size(), no);
    for (int32_t k : kept) CHECK(k >= 0 && static_cast<size_t>(k) < c.size(), "kept index out of range");
  });
}

void fuzzMasks(Rng& rng) {
  MaskProtoShape s{rng.uniformInt(0, 4), rng.uniformInt(0, 20), rng.uniformInt(0, 20)};
  MaskGeometry g;
  g.srcW = rng.uniformInt(0, 60), g.srcH = rng.uniformInt(0, 60), g.dstW = rng.uniformInt(0, 64), g.dstH = rng.uniformInt(0, 64);
  g.ratio = rng.uniformInt(0, 5) == 0 ? garbage(rng) : rng.uniform(0.01f, 4.f);
  g.left = rng.uniformInt(-5, 20), g.top = rng.uniformInt(-5, 20);
  std::vector<float> protos(static_cast<size_t>(std::max(s.nm, 0)) * std::max(s.ph, 0) * std::max(s.pw, 0));
  for (auto& v : protos) v = garbage(rng);
  const int n = rng.uniformInt(0, 6);
  std::vector<float> coeffs(static_cast<size_t>(n) * std::max(s.nm, 0) + 1), boxes(4 * static_cast<size_t>(n) + 1);
  for (auto& v : coeffs) v = garbage(rng);
  for (auto& v : boxes) v = garbage(rng);
  guarded([&] {
    const auto masks = assembleMasks(protos.data(), s, coeffs.data(), boxes.data(), static_cast<size_t>(n), g, rng.uniformInt(0, 1) == 1);
    for (const auto& m : masks) {
      CHECK(m.x0 >= 0 && m.y0 >= 0 && m.x1 <= g.srcW && m.y1 <= g.srcH && m.x0 <= m.x1 && m.y0 <= m.y1, "mask region outside the image");
      CHECK(m.data.size() == static_cast<size_t>(m.x1 - m.x0) * static_cast<size_t>(m.y1 - m.y0), "mask data size");
    }
  });
}

void fuzzHistogram(Rng& rng) {
  std::vector<float> v(static_cast<size_t>(rng.uniformInt(0, 500)));
  for (auto& x : v) x = garbage(rng);
  const int bins = rng.uniformInt(-1, 64);
  std::vector<double> counts(static_cast<size_t>(std::max(bins, 0)) + 1, 0);
  const double range = rng.uniformInt(0, 4) == 0 ? static_cast<double>(garbage(rng)) : rng.uniform(0.001f, 10.f);
  guarded([&] { accumulateAbsHistogram(v.data(), v.size(), range, counts.data(), bins); });
}

}  // namespace

int main(int argc, char** argv) {
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 300;
  Rng rng(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 12345);
  for (int i = 0; i < rounds; i++) {
    fuzzLetterbox(rng);
    fuzzScanNms(rng);
    fuzzMasks(rng);
    fuzzHistogram(rng);
  }
  std::printf("fuzz: %d rounds, %d typed errors thrown, %d checks, %d failures\n", rounds, thrown, yoloe_test::checks, yoloe_test::failures);
  return yoloe_test::failures == 0 ? 0 : 1;
}
