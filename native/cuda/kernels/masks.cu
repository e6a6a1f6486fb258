// Instance-mask assembly, three passes over the regions the host plan names (core/masks.h
// planMasks): proto logits, the input-space binary mask (non-retina), the output mask.
// Per-element maths of the CPU twin (core/masks_element.h). blockIdx.y = detection; threads
// stride over the region's pixels. Launched by masks_launch.cpp.
namespace yoloe {
namespace cuda {

struct LogitReader {
  const float* logits;
  GridRegion g;
  __device__ float operator()(int r, int c) const { return logits[static_cast<int64_t>(r - g.r0) * (g.c1 - g.c0) + (c - g.c0)]; }
};

struct BinaryReader {
  const uint8_t* bits;
  GridRegion g;
  __device__ float operator()(int r, int c) const {
    return static_cast<float>(bits[static_cast<int64_t>(r - g.r0) * (g.c1 - g.c0) + (c - g.c0)]);
  }
};

__device__ inline int64_t regionArea(const GridRegion& g) { return static_cast<int64_t>(g.r1 - g.r0) * (g.c1 - g.c0); }

extern "C" __global__ void yoloe_mask_logits(const float* protos, MaskProtoShape s, const float* coeffs, const MaskJob* jobs,
                                             float* logits) {
  const MaskJob& job = jobs[blockIdx.y];
  if (job.plan.empty) return;
  const GridRegion& L = job.plan.logits;
  const int w = L.c1 - L.c0;
  const int64_t plane = static_cast<int64_t>(s.ph) * s.pw;
  const float* cf = coeffs + static_cast<int64_t>(blockIdx.y) * s.nm;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < regionArea(L); i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int r = L.r0 + static_cast<int>(i / w), c = L.c0 + static_cast<int>(i % w);
    logits[job.logitsOffset + i] = protoLogit(protos, s.nm, plane, s.pw, cf, r + job.plan.protoRowOffset, c + job.plan.protoColOffset);
  }
}

// Resizes a region of a grid (inSize) to dst pixels (outSize), keeping v > threshold.
template <typename Reader>
__device__ void resizeInto(const Reader& at, const GridRegion& src, const GridRegion& dst, int inH, int inW, int outH, int outW,
                           float threshold, uint8_t* out) {
  const int w = dst.c1 - dst.c0;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < regionArea(dst); i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int y = dst.r0 + static_cast<int>(i / w), x = dst.c0 + static_cast<int>(i % w);
    const float v = bilinearFromRegion(at, src, torchLinearTap(inH, outH, y), torchLinearTap(inW, outW, x));
    out[i] = v > threshold ? 1 : 0;
  }
}

extern "C" __global__ void yoloe_mask_binary(MaskProtoShape s, MaskGeometry g, const MaskJob* jobs, const float* logits,
                                             uint8_t* binary) {
  const MaskJob& job = jobs[blockIdx.y];
  if (job.plan.empty) return;
  const LogitReader at{logits + job.logitsOffset, job.plan.logits};
  resizeInto(at, job.plan.logits, job.plan.binary, s.ph, s.pw, g.dstH, g.dstW, 0.f, binary + job.binaryOffset);
}

extern "C" __global__ void yoloe_mask_output(MaskGeometry g, PadCrop crop, int retina, const MaskJob* jobs,
                                             const float* logits, const uint8_t* binary, uint8_t* output) {
  const MaskJob& job = jobs[blockIdx.y];
  if (job.plan.empty) return;
  uint8_t* out = output + job.outputOffset;
  if (retina) {
    const LogitReader at{logits + job.logitsOffset, job.plan.logits};
    resizeInto(at, job.plan.logits, job.plan.output, crop.height, crop.width, g.srcH, g.srcW, 0.f, out);
    return;
  }
  const GridRegion& B = job.plan.binary;
  const GridRegion Bc{B.r0 - crop.top, B.r1 - crop.top, B.c0 - crop.left, B.c1 - crop.left};
  const BinaryReader at{binary + job.binaryOffset, Bc};
  resizeInto(at, Bc, job.plan.output, crop.height, crop.width, g.srcH, g.srcW, 0.5f, out);
}

}  // namespace cuda
}  // namespace yoloe
