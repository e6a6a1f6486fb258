// Batched letterbox on the GPU: OpenCV-exact INTER_LINEAR (shared fixed-point maths in
// core/letterbox_element.h), constant border, /255, HWC -> CHW, float32 or fp16 bits.
#include "core/half_element.h"
#include "core/letterbox_element.h"
#include "kernels.h"

namespace yoloe {
namespace cuda {

namespace {

struct Lut {
  float f32[256];
  uint16_t f16[256];
};

// One thread per output pixel, three channels each; blockIdx.z = image of the batch.
__global__ void letterboxKernel(const LetterboxImage* images, Lut lut, void* dst, bool fp16) {
  const LetterboxImage im = images[blockIdx.z];
  const LetterboxParams& p = im.params;
  const int x = blockIdx.x * blockDim.x + threadIdx.x;
  const int y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= p.dstW || y >= p.dstH) return;
  const int64_t plane = static_cast<int64_t>(p.dstW) * p.dstH;
  const int64_t o = static_cast<int64_t>(blockIdx.z) * 3 * plane + static_cast<int64_t>(y) * p.dstW + x;
  int v[3] = {p.padValue, p.padValue, p.padValue};
  const int cx = x - p.left, cy = y - p.top;
  if (cx >= 0 && cx < p.newW && cy >= 0 && cy < p.newH) {
    const LinearTap tx = linearTap(cx, im.srcW, p.newW, true);
    const LinearTap ty = linearTap(cy, im.srcH, p.newH, false);
    for (int c = 0; c < 3; c++) v[c] = resizedSample(im.srcHWC, im.srcStrideBytes, 3, c, tx, ty);
  }
  if (fp16) {
    uint16_t* d = static_cast<uint16_t*>(dst);
    for (int c = 0; c < 3; c++) d[o + c * plane] = lut.f16[v[c]];
  } else {
    float* d = static_cast<float*>(dst);
    for (int c = 0; c < 3; c++) d[o + c * plane] = lut.f32[v[c]];
  }
}

Lut makeLut() {
  Lut l;
  for (int p = 0; p < 256; p++) {
    l.f32[p] = normalisedU8(p);
    l.f16[p] = doubleToHalf(static_cast<double>(p) / 255.0);
  }
  return l;
}

bool validParams(const LetterboxImage& im, const LetterboxParams& first) {
  const LetterboxParams& p = im.params;
  return im.srcHWC && im.srcW > 0 && im.srcH > 0 && im.srcStrideBytes >= im.srcW * 3 && p.dstW == first.dstW &&
         p.dstH == first.dstH && p.newW > 0 && p.newH > 0 && p.left >= 0 && p.top >= 0 && p.left + p.newW <= p.dstW &&
         p.top + p.newH <= p.dstH && p.padValue >= 0 && p.padValue <= 255;
}

}  // namespace

cudaError_t launchLetterboxBatch(const LetterboxImage* images, int count, void* dstNCHW, bool fp16, cudaStream_t stream) {
  if (count <= 0 || count > 65535 || !images || !dstNCHW) return cudaErrorInvalidValue;
  for (int i = 0; i < count; i++) {
    if (!validParams(images[i], images[0].params)) return cudaErrorInvalidValue;
  }
  static const Lut lut = makeLut();
  LetterboxImage* dImages = nullptr;
  const size_t bytes = sizeof(LetterboxImage) * static_cast<size_t>(count);
  cudaError_t err = cudaMallocAsync(reinterpret_cast<void**>(&dImages), bytes, stream);
  if (err != cudaSuccess) return err;
  err = cudaMemcpyAsync(dImages, images, bytes, cudaMemcpyHostToDevice, stream);
  if (err == cudaSuccess) {
    const dim3 block(32, 8);
    const LetterboxParams& p = images[0].params;
    const dim3 grid((p.dstW + block.x - 1) / block.x, (p.dstH + block.y - 1) / block.y, count);
    letterboxKernel<<<grid, block, 0, stream>>>(dImages, lut, dstNCHW, fp16);
    err = cudaGetLastError();
  }
  const cudaError_t freeErr = cudaFreeAsync(dImages, stream);
  return err != cudaSuccess ? err : freeErr;
}

cudaError_t launchLetterbox(const uint8_t* srcHWC, int srcW, int srcH, int srcStrideBytes, const LetterboxParams& p,
                            void* dstCHW, bool fp16, cudaStream_t stream) {
  LetterboxImage im{srcHWC, srcW, srcH, srcStrideBytes, p};
  return launchLetterboxBatch(&im, 1, dstCHW, fp16, stream);
}

}  // namespace cuda
}  // namespace yoloe
