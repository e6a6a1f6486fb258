// Candidate compaction of a raw [B, 4 + nc + nm, N] head on the GPU, through native/cuda's
// decode kernel (CPU twin native/core/candidates_element.h): only the candidates (and the
// head's mask-coefficient rows) come back to the host, as TensorRT-YOLO does.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "device_memory.h"
#include "runtime.h"

namespace yoloe::trt {

// Memory of one execution slot, grown on demand and reused: no allocation per launch.
struct CompactStaging {
  DeviceBuffer candidates;  // B * capacity DeviceCandidate
  DeviceBuffer counters;    // B ints
  DeviceBuffer allowed;     // nc class flags
  PinnedBuffer hostCandidates, hostCounts, hostAllowed;
};

// The head as it sits in device memory after enqueueV3.
struct DeviceHead {
  const void* device = nullptr;
  bool fp16 = false;
  int64_t batch = 0, channels = 0, anchors = 0;
};

// ERR_SHAPE unless `dims` / `dtype` are a non-transposed raw head of 4 + nc + nm channels
// (dims may hold -1 for a data-dependent N); `classes` must lie in [0, nc).
void checkCompactHead(const CompactRequest& request, const std::vector<int64_t>& dims, const std::string& dtype);

// Launches the decode kernel on every image of the head and copies the per-image counts back;
// synchronizes `stream` and returns the counts (each may exceed request.capacity).
std::vector<int32_t> countCandidates(const CompactRequest& request, const DeviceHead& head, CompactStaging& staging,
                                     cuda::CUstream stream);

// Queues the copies of each image's candidates (none over capacity) into the host staging.
void downloadCandidates(const CompactRequest& request, const std::vector<int32_t>& counts, CompactStaging& staging,
                        cuda::CUstream stream);

// After the stream is synchronized: the candidates of every image sorted by (index, classId),
// the CPU scan's anchor order.
void collectCandidates(const CompactRequest& request, const std::vector<int32_t>& counts, const CompactStaging& staging,
                       CompactedHead& out);

// Queues the copy of each image's nm contiguous coefficient rows (channels 4 + nc ..) from the
// device head into `hostHead` at the same offsets (a host image of the whole head).
void downloadCoefficientRows(const CompactRequest& request, const DeviceHead& head, void* hostHead, cuda::CUstream stream);

// [B, nm, N] float32 from the coefficient rows of a host image of the head (fp16 widened).
std::vector<float> coefficientRows(const CompactRequest& request, const DeviceHead& head, const void* hostHead);

}  // namespace yoloe::trt
