#include "candidates.h"

#include <algorithm>
#include <numeric>

#include "candidates_element.h"
#include "error.h"

namespace yoloe {

namespace {

void push(CandidateList& out, const float* xyxy, float score, int cls, int anchor) {
  out.boxes.insert(out.boxes.end(), xyxy, xyxy + 4);
  out.scores.push_back(score);
  out.classIds.push_back(cls);
  out.indices.push_back(anchor);
}

template <typename T>
CandidateList scan(const T* image, const HeadShape& shape, const ScanOptions& opts) {
  validateHead(shape);
  const int n = shape.anchors;
  const int nc = shape.nc;
  const HeadStrides s = headStrides(shape.channels, n, shape.transposed);
  const float threshold = floatThresholdBelow(opts.conf);
  const bool filter = opts.filterClasses;
  auto allowed = [&](int c) { return !filter || (static_cast<size_t>(c) < opts.allowed.size() && opts.allowed[static_cast<size_t>(c)]); };

  // best starts at the threshold: only scores above conf can win (NaN never does)
  std::vector<float> bestScore(static_cast<size_t>(n), threshold);
  std::vector<int> bestClass(static_cast<size_t>(n), 0);
  if (!shape.transposed) {
    // class-major: one sequential pass per class row (fast for thousands of classes)
    for (int c = 0; c < nc; c++) {
      const T* row = image + (4 + static_cast<int64_t>(c)) * n;
      for (int a = 0; a < n; a++) {
        const float v = headValue(row + a);
        if (v > bestScore[static_cast<size_t>(a)]) {
          bestScore[static_cast<size_t>(a)] = v;
          bestClass[static_cast<size_t>(a)] = c;
        }
      }
    }
  } else {
    for (int a = 0; a < n; a++) bestClassOf(image, s, a, nc, threshold, &bestScore[static_cast<size_t>(a)], &bestClass[static_cast<size_t>(a)]);
  }

  CandidateList out;
  float box[4];
  for (int a = 0; a < n; a++) {
    if (!(bestScore[static_cast<size_t>(a)] > threshold)) continue;
    const T* p = image + a * s.anchor;
    xywhToXyxy(headValue(p), headValue(p + s.channel), headValue(p + 2 * s.channel), headValue(p + 3 * s.channel), box);
    if (!opts.multiLabel) {
      const int c = bestClass[static_cast<size_t>(a)];
      if (allowed(c)) push(out, box, bestScore[static_cast<size_t>(a)], c, a);
      continue;
    }
    for (int c = 0; c < nc; c++) {
      const float v = headValue(p + (4 + static_cast<int64_t>(c)) * s.channel);
      if (v > threshold && allowed(c)) push(out, box, v, c, a);
    }
  }
  capCandidates(out, opts.maxNms);
  return out;
}

}  // namespace

void validateHead(const HeadShape& shape) {
  if (shape.anchors < 0 || shape.nc < 1 || shape.channels < 4 + shape.nc) {
    throw Error("ERR_SHAPE", "a raw head needs channels >= 4 + nc, nc >= 1 and anchors >= 0");
  }
}

CandidateList scanRawHead(const float* image, const HeadShape& shape, const ScanOptions& opts) { return scan(image, shape, opts); }
CandidateList scanRawHead(const uint16_t* image, const HeadShape& shape, const ScanOptions& opts) { return scan(image, shape, opts); }

void capCandidates(CandidateList& list, int64_t maxNms) {
  if (maxNms < 0) throw Error("ERR_INVALID_OPTION", "maxNms must be >= 0");
  const size_t n = list.size();
  if (static_cast<uint64_t>(n) <= static_cast<uint64_t>(maxNms)) return;
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return list.scores[a] > list.scores[b]; });
  order.resize(static_cast<size_t>(maxNms));
  CandidateList kept;
  for (size_t i : order) push(kept, &list.boxes[4 * i], list.scores[i], list.classIds[i], list.indices[i]);
  list = std::move(kept);
}

}  // namespace yoloe
