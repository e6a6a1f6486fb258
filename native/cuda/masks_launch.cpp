// Host side of the mask kernels (kernels/masks.cu): layout of the scratch buffers, the job
// table upload, and the three passes (logits, binary for non-retina, output).
#include "kernels.h"
#include "launch.h"

namespace yoloe {
namespace cuda {

namespace {

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

CUresult launchAssembleMasks(const float* protos, const MaskProtoShape& s, const float* coeffs, const MaskGeometry& g,
                             bool retina, const MaskLayout& layout, const MaskBuffers& b, CUstream stream) {
  const size_t n = layout.jobs.size();
  if (n == 0) return kCudaSuccess;
  if (n > kMaxGridYZ || !protos || !coeffs || !b.jobs || !b.output || (layout.logitsCount > 0 && !b.logits) ||
      (!retina && layout.binaryBytes > 0 && !b.binary)) {
    return kCudaErrorInvalidValue;
  }
  const DriverApi& d = driverApi();
  if (d.cuMemcpyHtoDAsync == nullptr) return kCudaErrorNotInitialized;
  CUresult r = d.cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(b.jobs), layout.jobs.data(), sizeof(MaskJob) * n, stream);
  if (r != kCudaSuccess) return r;
  PadCrop crop = retina ? padCrop(s.ph, s.pw, g.srcH, g.srcW) : padCrop(g.dstH, g.dstW, g.srcH, g.srcW);
  LaunchShape shape;
  shape.blockX = 256;
  shape.gridX = 64;  // threads stride over each region
  shape.gridY = static_cast<unsigned>(n);
  MaskProtoShape shapeArg = s;
  MaskGeometry geometry = g;
  const float* dProtos = protos;
  const float* dCoeffs = coeffs;
  const MaskJob* jobs = b.jobs;
  float* logits = b.logits;
  uint8_t* binary = b.binary;
  const float* logitsIn = b.logits;
  const uint8_t* binaryIn = b.binary;
  uint8_t* output = b.output;
  int retinaFlag = retina ? 1 : 0;
  r = launchKernel(KernelId::MaskLogits, shape, stream, dProtos, shapeArg, dCoeffs, jobs, logits);
  if (r == kCudaSuccess && !retina) r = launchKernel(KernelId::MaskBinary, shape, stream, shapeArg, geometry, jobs, logitsIn, binary);
  if (r == kCudaSuccess) {
    r = launchKernel(KernelId::MaskOutput, shape, stream, geometry, crop, retinaFlag, jobs, logitsIn, binaryIn, output);
  }
  return r;
}

}  // namespace cuda
}  // namespace yoloe
