// CPU scan of a raw YOLO head ([B, 4 + nc + nm, N], or transposed [B, N, C]) into candidates,
// the twin of lib/decode/candidates.ts scanRawHead (anchor order, multi-label anchor then class,
// capped at maxNms: a bounded top-k store, equal to a stable descending sort cut to maxNms).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace yoloe {

struct ScanOptions {
  double conf = 0.25;
  bool multiLabel = false;
  int64_t maxNms = 30000;
  // when filterClasses: allowed[c] = 1 keeps class c (classes beyond the table are dropped)
  bool filterClasses = false;
  std::vector<uint8_t> allowed;
};

struct HeadShape {
  int channels = 0;  // 4 + nc + nm
  int anchors = 0;   // N
  int nc = 0;        // classes
  bool transposed = false;
};

struct CandidateList {
  std::vector<float> boxes;  // x1, y1, x2, y2 per candidate
  std::vector<float> scores;
  std::vector<int32_t> classIds;
  std::vector<int32_t> indices;  // anchor index
  size_t size() const { return scores.size(); }
};

// The best `capacity` candidates offered, by descending score, ties in offer order (offers come
// in increasing `seq`, the scan position). Holds at most min(capacity, offers) entries of 16
// bytes: appends until full, then keeps a heap whose front is the worst entry kept. take():
// offer order when nothing was dropped, else best first (what a stable descending sort of every
// offer cut to `capacity` gives). The twin of TopCandidates in lib/decode/candidates.ts.
class TopCandidates {
 public:
  struct Entry {
    float score;
    int64_t seq;
  };
  explicit TopCandidates(int64_t capacity);  // throws yoloe::Error for capacity < 0
  void offer(float score, int64_t seq);
  std::vector<Entry> take();

 private:
  static bool better(const Entry& a, const Entry& b);
  int64_t capacity_;
  bool heap_ = false;
  std::vector<Entry> entries_;
};

// `image` points at one image's C * N elements. Throws yoloe::Error on an inconsistent shape.
void validateHead(const HeadShape& shape);
CandidateList scanRawHead(const float* image, const HeadShape& shape, const ScanOptions& opts);
CandidateList scanRawHead(const uint16_t* image, const HeadShape& shape, const ScanOptions& opts);

// Keeps the `maxNms` best by descending score (stable) when there are more.
void capCandidates(CandidateList& list, int64_t maxNms);

}  // namespace yoloe
