// Candidate decode of a raw head: one thread per anchor (all classes of it for multi-label),
// compaction through an atomic counter. Per-anchor maths of the CPU twin
// (core/candidates_element.h). Launched by decode_launch.cpp.
namespace yoloe {
namespace cuda {

template <typename T>
__device__ void decodeAnchor(const T* head, const DecodeParams& p, float threshold, DeviceCandidate* out, int* counter) {
  const int a = blockIdx.x * blockDim.x + threadIdx.x;
  if (a >= p.anchors) return;
  const HeadStrides s = headStrides(p.channels, p.anchors, p.transposed);
  float best;
  int bestC;
  if (!bestClassOf(head, s, a, p.nc, threshold, &best, &bestC)) return;
  const T* q = head + a * s.anchor;
  float box[4];
  xywhToXyxy(headValue(q), headValue(q + s.channel), headValue(q + 2 * s.channel), headValue(q + 3 * s.channel), box);
  if (!p.multiLabel) {
    if (p.allowed && !p.allowed[bestC]) return;
    const int slot = atomicAdd(counter, 1);
    if (slot < p.capacity) out[slot] = DeviceCandidate{box[0], box[1], box[2], box[3], best, bestC, a};
    return;
  }
  for (int c = 0; c < p.nc; c++) {
    const float v = headValue(q + (4 + static_cast<int64_t>(c)) * s.channel);
    if (!(v > threshold) || (p.allowed && !p.allowed[c])) continue;
    const int slot = atomicAdd(counter, 1);
    if (slot < p.capacity) out[slot] = DeviceCandidate{box[0], box[1], box[2], box[3], v, c, a};
  }
}

extern "C" __global__ void yoloe_decode_f32(const float* head, DecodeParams p, float threshold, DeviceCandidate* out, int* counter) {
  decodeAnchor(head, p, threshold, out, counter);
}

extern "C" __global__ void yoloe_decode_f16(const uint16_t* head, DecodeParams p, float threshold, DeviceCandidate* out,
                                            int* counter) {
  decodeAnchor(head, p, threshold, out, counter);
}

}  // namespace cuda
}  // namespace yoloe
