// Candidate decode of a raw head on the GPU: one thread per anchor (per anchor and class for
// multi-label), compaction through an atomic counter. Per-element maths shared with the CPU
// twin (core/candidates_element.h).
#include "core/candidates_element.h"
#include "kernels.h"

namespace yoloe {
namespace cuda {

namespace {

template <typename T>
__global__ void decodeKernel(const T* head, DecodeParams p, float threshold, DeviceCandidate* out, int* counter) {
  const int a = blockIdx.x * blockDim.x + threadIdx.x;
  if (a >= p.anchors) return;
  const HeadStrides s = headStrides(p.channels, p.anchors, p.transposed);
  float best;
  int bestC;
  if (!bestClassOf(head, s, a, p.nc, threshold, &best, &bestC)) return;
  const T* q = head + a * s.anchor;
  float box[4];
  xywhToXyxy(headValue(q), headValue(q + s.channel), headValue(q + 2 * s.channel), headValue(q + 3 * s.channel), box);
  auto emit = [&](float score, int c) {
    const int slot = atomicAdd(counter, 1);
    if (slot < p.capacity) out[slot] = DeviceCandidate{box[0], box[1], box[2], box[3], score, c, a};
  };
  if (!p.multiLabel) {
    if (!p.allowed || p.allowed[bestC]) emit(best, bestC);
    return;
  }
  for (int c = 0; c < p.nc; c++) {
    const float v = headValue(q + (4 + static_cast<int64_t>(c)) * s.channel);
    if (v > threshold && (!p.allowed || p.allowed[c])) emit(v, c);
  }
}

}  // namespace

cudaError_t launchDecodeCandidates(const void* head, const DecodeParams& p, DeviceCandidate* out, int* counter,
                                   cudaStream_t stream) {
  if (!head || !counter || p.anchors < 0 || p.nc < 1 || p.channels < 4 + p.nc || p.capacity < 0 || (p.capacity > 0 && !out)) {
    return cudaErrorInvalidValue;
  }
  cudaError_t err = cudaMemsetAsync(counter, 0, sizeof(int), stream);
  if (err != cudaSuccess || p.anchors == 0) return err;
  const float threshold = floatThresholdBelow(p.conf);
  const int block = 256;
  const int grid = (p.anchors + block - 1) / block;
  if (p.fp16) {
    decodeKernel<<<grid, block, 0, stream>>>(static_cast<const uint16_t*>(head), p, threshold, out, counter);
  } else {
    decodeKernel<<<grid, block, 0, stream>>>(static_cast<const float*>(head), p, threshold, out, counter);
  }
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace yoloe
