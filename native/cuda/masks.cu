// Instance-mask assembly on the GPU, three passes over the regions the host plan names
// (core/masks.h planMasks): proto logits, the input-space binary mask (non-retina), the output
// mask. Per-element maths shared with the CPU twin (core/masks_element.h).
#include "core/masks_element.h"
#include "kernels.h"

namespace yoloe {
namespace cuda {

namespace {

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

__device__ int64_t area(const GridRegion& g) { return static_cast<int64_t>(g.r1 - g.r0) * (g.c1 - g.c0); }

// blockIdx.y = detection; threads stride over the region's pixels.
__global__ void logitsKernel(const float* protos, MaskProtoShape s, const float* coeffs, const MaskJob* jobs, float* logits) {
  const MaskJob& job = jobs[blockIdx.y];
  if (job.plan.empty) return;
  const GridRegion& L = job.plan.logits;
  const int w = L.c1 - L.c0;
  const int64_t plane = static_cast<int64_t>(s.ph) * s.pw;
  const float* cf = coeffs + static_cast<int64_t>(blockIdx.y) * s.nm;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < area(L); i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int r = L.r0 + static_cast<int>(i / w), c = L.c0 + static_cast<int>(i % w);
    logits[job.logitsOffset + i] = protoLogit(protos, s.nm, plane, s.pw, cf, r + job.plan.protoRowOffset, c + job.plan.protoColOffset);
  }
}

// Resizes a region of a grid (inSize) to dst pixels (outSize), keeping v > threshold.
template <typename Reader>
__device__ void resizeInto(const Reader& at, const GridRegion& src, const GridRegion& dst, int inH, int inW, int outH, int outW,
                           float threshold, uint8_t* out) {
  const int w = dst.c1 - dst.c0;
  for (int64_t i = blockIdx.x * blockDim.x + threadIdx.x; i < area(dst); i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    const int y = dst.r0 + static_cast<int>(i / w), x = dst.c0 + static_cast<int>(i % w);
    const float v = bilinearFromRegion(at, src, torchLinearTap(inH, outH, y), torchLinearTap(inW, outW, x));
    out[i] = v > threshold ? 1 : 0;
  }
}

__global__ void binaryKernel(MaskProtoShape s, MaskGeometry g, const MaskJob* jobs, const float* logits, uint8_t* binary) {
  const MaskJob& job = jobs[blockIdx.y];
  if (job.plan.empty) return;
  const LogitReader at{logits + job.logitsOffset, job.plan.logits};
  resizeInto(at, job.plan.logits, job.plan.binary, s.ph, s.pw, g.dstH, g.dstW, 0.f, binary + job.binaryOffset);
}

__global__ void outputKernel(MaskProtoShape s, MaskGeometry g, PadCrop crop, bool retina, const MaskJob* jobs, const float* logits,
                             const uint8_t* binary, uint8_t* output) {
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

int64_t regionArea(const GridRegion& g) { return static_cast<int64_t>(g.r1 - g.r0) * (g.c1 - g.c0); }

}  // namespace

MaskLayout layoutMasks(const std::vector<MaskPlan>& plans) {
  MaskLayout l;
  for (const MaskPlan& p : plans) {
    MaskJob j;
    j.plan = p;
    j.logitsOffset = l.logitsCount;
    j.binaryOffset = l.binaryBytes;
    j.outputOffset = l.outputBytes;
    if (!p.empty) {
      l.logitsCount += regionArea(p.logits);
      l.binaryBytes += regionArea(p.binary);
      l.outputBytes += regionArea(p.output);
    }
    l.jobs.push_back(j);
  }
  return l;
}

cudaError_t launchAssembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const MaskGeometry& g,
                                bool retina, const MaskLayout& layout, const MaskBuffers& b, cudaStream_t stream) {
  const int n = static_cast<int>(layout.jobs.size());
  if (n == 0) return cudaSuccess;
  if (n > 65535 || !protos || !coeffs || !b.jobs || !b.output || (layout.logitsCount > 0 && !b.logits) ||
      (!retina && layout.binaryBytes > 0 && !b.binary)) {
    return cudaErrorInvalidValue;
  }
  cudaError_t err = cudaMemcpyAsync(b.jobs, layout.jobs.data(), sizeof(MaskJob) * layout.jobs.size(), cudaMemcpyHostToDevice, stream);
  if (err != cudaSuccess) return err;
  const PadCrop crop = retina ? padCrop(s.ph, s.pw, g.srcH, g.srcW) : padCrop(g.dstH, g.dstW, g.srcH, g.srcW);
  const dim3 block(256);
  const dim3 grid(64, n);
  logitsKernel<<<grid, block, 0, stream>>>(protos, s, coeffs, b.jobs, b.logits);
  if (!retina) binaryKernel<<<grid, block, 0, stream>>>(s, g, b.jobs, b.logits, b.binary);
  outputKernel<<<grid, block, 0, stream>>>(s, g, crop, retina, b.jobs, b.logits, b.binary, b.output);
  return cudaGetLastError();
}

}  // namespace cuda
}  // namespace yoloe
