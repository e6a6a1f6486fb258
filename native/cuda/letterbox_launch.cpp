// Host side of the letterbox kernel (kernels/letterbox.cu): validation, the p / 255 table, and
// launches of up to kLetterboxImagesPerLaunch images passed by value.
#include "core/half_element.h"
#include "kernels.h"
#include "launch.h"

namespace yoloe {
namespace cuda {

namespace {

LetterboxLut makeLut() {
  LetterboxLut l;
  for (int p = 0; p < 256; p++) {
    l.f32[p] = normalisedU8(p);
    l.f16[p] = doubleToHalf(static_cast<double>(p) / 255.0);
  }
  return l;
}

bool validImage(const LetterboxImage& im, const LetterboxParams& first) {
  const LetterboxParams& p = im.params;
  return im.srcHWC && im.srcW > 0 && im.srcH > 0 && im.srcStrideBytes >= im.srcW * 3 && p.dstW == first.dstW &&
         p.dstH == first.dstH && p.newW > 0 && p.newH > 0 && p.left >= 0 && p.top >= 0 && p.left + p.newW <= p.dstW &&
         p.top + p.newH <= p.dstH && p.padValue >= 0 && p.padValue <= 255;
}

}  // namespace

CUresult launchLetterboxBatch(const LetterboxImage* images, int count, void* dstNCHW, bool fp16, CUstream stream) {
  if (count <= 0 || !images || !dstNCHW) return kCudaErrorInvalidValue;
  for (int i = 0; i < count; i++) {
    if (!validImage(images[i], images[0].params)) return kCudaErrorInvalidValue;
  }
  static const LetterboxLut lut = makeLut();
  const LetterboxParams& p = images[0].params;
  const size_t imageBytes = static_cast<size_t>(3) * p.dstW * p.dstH * (fp16 ? 2 : 4);
  LaunchShape shape;
  shape.blockX = 32, shape.blockY = 8;
  shape.gridX = (static_cast<unsigned>(p.dstW) + shape.blockX - 1) / shape.blockX;
  shape.gridY = (static_cast<unsigned>(p.dstH) + shape.blockY - 1) / shape.blockY;
  if (shape.gridY > kMaxGridYZ) return kCudaErrorInvalidValue;
  LetterboxLut table = lut;
  int half = fp16 ? 1 : 0;
  for (int first = 0; first < count; first += kLetterboxImagesPerLaunch) {
    LetterboxChunk chunk{};
    chunk.count = count - first < kLetterboxImagesPerLaunch ? count - first : kLetterboxImagesPerLaunch;
    for (int i = 0; i < chunk.count; i++) chunk.images[i] = images[first + i];
    void* dst = static_cast<char*>(dstNCHW) + imageBytes * static_cast<size_t>(first);
    shape.gridZ = static_cast<unsigned>(chunk.count);
    const CUresult r = launchKernel(KernelId::Letterbox, shape, stream, chunk, table, dst, half);
    if (r != kCudaSuccess) return r;
  }
  return kCudaSuccess;
}

CUresult launchLetterbox(const uint8_t* srcHWC, int srcW, int srcH, int srcStrideBytes, const LetterboxParams& p,
                         void* dstCHW, bool fp16, CUstream stream) {
  LetterboxImage im{srcHWC, srcW, srcH, srcStrideBytes, p};
  return launchLetterboxBatch(&im, 1, dstCHW, fp16, stream);
}

}  // namespace cuda
}  // namespace yoloe
