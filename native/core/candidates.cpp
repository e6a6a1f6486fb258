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

// best[a] = max(best[a], scores of anchor a) over the class rows of a [4 + nc, n] head, and
// cls[a] = the first class reaching it (strictly greater replaces: ties keep the first), where a
// NaN score never wins (the comparison `v > best` is false). Anchors go in blocks so the running
// maxima stay in L1 while the class rows stream past; tracking the class in the same pass spares
// a strided walk down 4,585 rows per anchor afterwards.
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
inline void classMaximaBody(const float* image, int n, int nc, float* best, int* cls) {
  constexpr int kBlock = 1024;
  for (int a0 = 0; a0 < n; a0 += kBlock) {
    const int len = std::min(kBlock, n - a0);
    float* b = best + a0;
    int* k = cls + a0;
    for (int c = 0; c < nc; c++) {
      const float* row = image + (4 + static_cast<int64_t>(c)) * n + a0;
      for (int i = 0; i < len; i++) {
        const bool up = row[i] > b[i];
        b[i] = up ? row[i] : b[i];
        k[i] = up ? c : k[i];
      }
    }
  }
}

void classMaximaPortable(const float* image, int n, int nc, float* best, int* cls) { classMaximaBody(image, n, nc, best, cls); }

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
// the same loop in 8-wide registers on CPUs that have them (prebuilds target baseline x86-64)
__attribute__((target("avx2"))) void classMaximaAvx2(const float* image, int n, int nc, float* best, int* cls) { classMaximaBody(image, n, nc, best, cls); }

void classMaxima(const float* image, int n, int nc, float* best, int* cls) {
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) classMaximaAvx2(image, n, nc, best, cls);
  else classMaximaPortable(image, n, nc, best, cls);
}
#else
void classMaxima(const float* image, int n, int nc, float* best, int* cls) { classMaximaPortable(image, n, nc, best, cls); }
#endif

void classMaxima(const uint16_t* image, int n, int nc, float* best, int* cls) {
  for (int c = 0; c < nc; c++) {
    const uint16_t* row = image + (4 + static_cast<int64_t>(c)) * n;
    for (int a = 0; a < n; a++) {
      const float v = halfToFloat(row[a]);
      if (v > best[a]) best[a] = v, cls[a] = c;
    }
  }
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
  thread_local std::vector<float> bestScore;
  thread_local std::vector<int> bestClass;
  bestScore.assign(static_cast<size_t>(n), threshold);
  bestClass.assign(static_cast<size_t>(n), 0);
  if (!shape.transposed) {
    // class-major: the per-anchor maximum and its first class in one sequential, vectorised
    // pass per class row
    classMaxima(image, n, nc, bestScore.data(), bestClass.data());
  } else {
    for (int a = 0; a < n; a++) bestClassOf(image, s, a, nc, threshold, &bestScore[static_cast<size_t>(a)], &bestClass[static_cast<size_t>(a)]);
  }

  // candidates stream through a bounded top-maxNms store: memory is O(min(maxNms, candidates)),
  // whatever conf and multiLabel let through; an entry's scan position says its anchor and class
  TopCandidates top(opts.maxNms);
  for (int a = 0; a < n; a++) {
    if (!(bestScore[static_cast<size_t>(a)] > threshold)) continue;
    if (!opts.multiLabel) {
      if (allowed(bestClass[static_cast<size_t>(a)])) top.offer(bestScore[static_cast<size_t>(a)], a);
      continue;
    }
    const T* p = image + a * s.anchor;
    for (int c = 0; c < nc; c++) {
      const float v = headValue(p + (4 + static_cast<int64_t>(c)) * s.channel);
      if (v > threshold && allowed(c)) top.offer(v, static_cast<int64_t>(a) * nc + c);
    }
  }

  CandidateList out;
  const std::vector<TopCandidates::Entry> kept = top.take();
  out.boxes.reserve(4 * kept.size());
  out.scores.reserve(kept.size());
  out.classIds.reserve(kept.size());
  out.indices.reserve(kept.size());
  float box[4];
  for (const TopCandidates::Entry& e : kept) {
    const int a = static_cast<int>(opts.multiLabel ? e.seq / nc : e.seq);
    const int c = opts.multiLabel ? static_cast<int>(e.seq % nc) : bestClass[static_cast<size_t>(a)];
    const T* p = image + a * s.anchor;
    xywhToXyxy(headValue(p), headValue(p + s.channel), headValue(p + 2 * s.channel), headValue(p + 3 * s.channel), box);
    push(out, box, e.score, c, a);
  }
  return out;
}

}  // namespace

TopCandidates::TopCandidates(int64_t capacity) : capacity_(capacity) {
  if (capacity < 0) throw Error("ERR_INVALID_OPTION", "maxNms must be >= 0");
}

bool TopCandidates::better(const Entry& a, const Entry& b) { return a.score > b.score || (a.score == b.score && a.seq < b.seq); }

void TopCandidates::offer(float score, int64_t seq) {
  if (static_cast<int64_t>(entries_.size()) < capacity_) {
    entries_.push_back(Entry{score, seq});
    return;
  }
  if (capacity_ == 0) return;
  if (!heap_) {
    // full for the first time: the worst kept entry goes to the front (a heap ordered by better())
    std::make_heap(entries_.begin(), entries_.end(), better);
    heap_ = true;
  }
  // seq grows along the scan, so a newcomer beats the worst kept only with a strictly higher score
  if (!(score > entries_.front().score)) return;
  std::pop_heap(entries_.begin(), entries_.end(), better);
  entries_.back() = Entry{score, seq};
  std::push_heap(entries_.begin(), entries_.end(), better);
}

std::vector<TopCandidates::Entry> TopCandidates::take() {
  // overflowed: best first, ties in scan order (= a stable descending sort of them all, cut to maxNms)
  if (heap_) std::sort(entries_.begin(), entries_.end(), better);
  heap_ = false;
  return std::move(entries_);
}

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
