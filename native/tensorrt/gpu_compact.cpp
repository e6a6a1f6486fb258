#include "gpu_compact.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/half_element.h"
#include "cuda_check.h"
#include "errors.h"
#include "gpu_preprocess.h"

#if defined(YOLOE_WITH_CUDA)
#include "cuda/kernels.h"
#endif

namespace yoloe::trt {

namespace {

std::string dimsText(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + (dims[i] < 0 ? std::string("N") : std::to_string(dims[i]));
  return text + "]";
}

// Grows a device buffer (and its pinned host twin when given) by half again, so slowly growing
// requests do not reallocate every run.
void grow(DeviceBuffer& device, size_t bytes) {
  if (device.bytes() >= bytes) return;
  device = DeviceBuffer(bytes + bytes / 2);
}
void grow(PinnedBuffer& host, size_t bytes) {
  if (host.bytes() >= bytes) return;
  host = PinnedBuffer(bytes + bytes / 2, false);
}

size_t elementBytes(const DeviceHead& head) { return head.fp16 ? 2 : 4; }

// Element offset of image b's first coefficient row.
size_t coefficientOffset(const CompactRequest& request, const DeviceHead& head, int64_t b) {
  return static_cast<size_t>((b * head.channels + 4 + request.nc) * head.anchors);
}

}  // namespace

#if defined(YOLOE_WITH_CUDA)
using Candidate = cuda::DeviceCandidate;
#else
struct Candidate {
  float x1, y1, x2, y2, score;
  int32_t classId, index;
};
#endif

void checkCompactHead(const CompactRequest& request, const std::vector<int64_t>& dims, const std::string& dtype) {
  const int64_t channels = 4 + static_cast<int64_t>(request.nc) + request.nm;
  if (dtype != "float32" && dtype != "float16") {
    throw BackendError(kErrShape, "GPU compaction reads float32 or float16 heads; '" + request.output + "' is " + dtype);
  }
  if (dims.size() != 3 || dims[1] != channels) {
    throw BackendError(kErrShape, "GPU compaction needs a raw [B, 4 + nc + nm, N] = [B, " + std::to_string(channels) +
                                      ", N] head (not transposed); '" + request.output + "' is " + dimsText(dims));
  }
  if (dims[2] > INT32_MAX) {  // the kernel indexes anchors with int
    throw BackendError(kErrShape, "GPU compaction: head '" + request.output + "' " + dimsText(dims) + " has too many anchors");
  }
  for (int c : request.classes) {
    if (c < 0 || c >= request.nc) {
      throw BackendError(kErrInvalidOption, "Expected class ids in [0, " + std::to_string(request.nc - 1) +
                                                "] for compact.classes but received " + std::to_string(c));
    }
  }
}

std::vector<int32_t> countCandidates(const CompactRequest& request, const DeviceHead& head, CompactStaging& staging,
                                     cuda::CUstream stream) {
  std::vector<int32_t> counts(static_cast<size_t>(head.batch), 0);
#if defined(YOLOE_WITH_CUDA)
  const size_t perImage = static_cast<size_t>(request.capacity);
  grow(staging.candidates, std::max<size_t>(perImage * counts.size() * sizeof(Candidate), 1));
  grow(staging.counters, counts.size() * sizeof(int32_t));
  grow(staging.hostCounts, counts.size() * sizeof(int32_t));
  const uint8_t* allowed = nullptr;
  if (request.filtered) {
    const size_t nc = static_cast<size_t>(request.nc);
    grow(staging.allowed, nc);
    // Earlier copies from this pinned table finished: the caller synchronized after the last run.
    grow(staging.hostAllowed, nc);
    auto* flags = static_cast<uint8_t*>(staging.hostAllowed.host());
    std::memset(flags, 0, nc);
    for (int c : request.classes) flags[c] = 1;
    copyToDevice(staging.allowed.get(), flags, nc, stream, "cuMemcpyHtoDAsync (class filter)");
    allowed = static_cast<const uint8_t*>(staging.allowed.get());
  }
  auto* candidates = static_cast<Candidate*>(staging.candidates.get());
  auto* counters = static_cast<int*>(staging.counters.get());
  for (int64_t b = 0; b < head.batch; ++b) {
    cuda::DecodeParams p;
    p.channels = static_cast<int>(head.channels);
    p.anchors = static_cast<int>(head.anchors);
    p.nc = request.nc;
    p.transposed = false;
    p.fp16 = head.fp16;
    p.conf = request.conf;
    p.multiLabel = request.multiLabel;
    p.allowed = allowed;
    p.capacity = request.capacity;
    const auto* image = static_cast<const uint8_t*>(head.device) +
                        static_cast<size_t>(b * head.channels * head.anchors) * elementBytes(head);
    checkKernelLaunch(static_cast<int>(cuda::launchDecodeCandidates(image, p, candidates + perImage * static_cast<size_t>(b),
                                                                    counters + b, stream)),
                      "launchDecodeCandidates");
  }
  copyToHost(staging.hostCounts.host(), counters, counts.size() * sizeof(int32_t), stream, "cuMemcpyDtoHAsync (candidate counts)");
  cudaCheck(driver().cuStreamSynchronize(stream), "cuStreamSynchronize (candidate counts)");
  std::memcpy(counts.data(), staging.hostCounts.host(), counts.size() * sizeof(int32_t));
#else
  (void)request;
  (void)head;
  (void)staging;
  (void)stream;
  checkKernelLaunch(-1, "launchDecodeCandidates");
#endif
  return counts;
}

void downloadCandidates(const CompactRequest& request, const std::vector<int32_t>& counts, CompactStaging& staging,
                        cuda::CUstream stream) {
  const size_t perImage = static_cast<size_t>(request.capacity);
  grow(staging.hostCandidates, std::max<size_t>(perImage * counts.size() * sizeof(Candidate), 1));
  auto* host = static_cast<Candidate*>(staging.hostCandidates.host());
  const auto* device = static_cast<const Candidate*>(staging.candidates.get());
  for (size_t b = 0; b < counts.size(); ++b) {
    if (counts[b] <= 0) continue;
    copyToHost(host + perImage * b, device + perImage * b, static_cast<size_t>(counts[b]) * sizeof(Candidate), stream,
               "cuMemcpyDtoHAsync (candidates)");
  }
}

void collectCandidates(const CompactRequest& request, const std::vector<int32_t>& counts, const CompactStaging& staging,
                       CompactedHead& out) {
  const size_t perImage = static_cast<size_t>(request.capacity);
  size_t total = 0;
  for (int32_t c : counts) total += static_cast<size_t>(c);
  out.counts = counts;
  out.boxes.reserve(total * 5);
  out.classIds.reserve(total);
  out.indices.reserve(total);
  const auto* host = static_cast<const Candidate*>(staging.hostCandidates.host());
  std::vector<Candidate> image;
  for (size_t b = 0; b < counts.size(); ++b) {
    image.assign(host + perImage * b, host + perImage * b + counts[b]);
    // The kernel appends through an atomic counter (any order); the CPU scan walks anchors, then classes.
    std::sort(image.begin(), image.end(), [](const Candidate& a, const Candidate& c) {
      return a.index != c.index ? a.index < c.index : a.classId < c.classId;
    });
    for (const Candidate& c : image) {
      out.boxes.insert(out.boxes.end(), {c.x1, c.y1, c.x2, c.y2, c.score});
      out.classIds.push_back(c.classId);
      out.indices.push_back(c.index);
    }
  }
}

void downloadCoefficientRows(const CompactRequest& request, const DeviceHead& head, void* hostHead, cuda::CUstream stream) {
  if (request.nm == 0 || head.anchors == 0) return;
  const size_t bytes = static_cast<size_t>(request.nm * head.anchors) * elementBytes(head);
  for (int64_t b = 0; b < head.batch; ++b) {
    const size_t offset = coefficientOffset(request, head, b) * elementBytes(head);
    copyToHost(static_cast<uint8_t*>(hostHead) + offset, static_cast<const uint8_t*>(head.device) + offset, bytes, stream,
               "cuMemcpyDtoHAsync (mask coefficients)");
  }
}

std::vector<float> coefficientRows(const CompactRequest& request, const DeviceHead& head, const void* hostHead) {
  const size_t perImage = static_cast<size_t>(request.nm * head.anchors);
  std::vector<float> out(perImage * static_cast<size_t>(head.batch));
  for (int64_t b = 0; b < head.batch; ++b) {
    const size_t from = coefficientOffset(request, head, b);
    float* to = out.data() + perImage * static_cast<size_t>(b);
    if (head.fp16) {
      const auto* rows = static_cast<const uint16_t*>(hostHead) + from;
      for (size_t i = 0; i < perImage; ++i) to[i] = halfToFloat(rows[i]);
    } else {
      std::memcpy(to, static_cast<const float*>(hostHead) + from, perImage * sizeof(float));
    }
  }
  return out;
}

}  // namespace yoloe::trt
