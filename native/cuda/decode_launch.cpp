// Host side of the decode kernels (kernels/decode.cu): validation, counter reset, one thread
// per anchor.
#include "core/candidates_element.h"
#include "kernels.h"
#include "launch.h"

namespace yoloe {
namespace cuda {

CUresult launchDecodeCandidates(const void* head, const DecodeParams& p, DeviceCandidate* out, int* counter,
                                CUstream stream) {
  if (!head || !counter || p.anchors < 0 || p.nc < 1 || p.channels < 4 + p.nc || p.capacity < 0 || (p.capacity > 0 && !out)) {
    return kCudaErrorInvalidValue;
  }
  const DriverApi& d = driverApi();
  if (d.cuMemsetD8Async == nullptr) return kCudaErrorNotInitialized;
  CUdeviceptr dCounter = reinterpret_cast<CUdeviceptr>(counter);
  CUresult r = d.cuMemsetD8Async(dCounter, 0, sizeof(int), stream);
  if (r != kCudaSuccess || p.anchors == 0) return r;
  float threshold = floatThresholdBelow(p.conf);
  LaunchShape shape;
  shape.blockX = 256;
  shape.gridX = (static_cast<unsigned>(p.anchors) + shape.blockX - 1) / shape.blockX;
  DecodeParams params = p;
  const void* h = head;
  return launchKernel(p.fp16 ? KernelId::DecodeF16 : KernelId::DecodeF32, shape, stream, h, params, threshold, out, counter);
}

}  // namespace cuda
}  // namespace yoloe
