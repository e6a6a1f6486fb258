// Batched letterbox: OpenCV-exact INTER_LINEAR (core/letterbox_element.h, the CPU twin's
// maths), constant border, /255, HWC -> CHW, float32 or fp16 bits. One thread per output pixel
// (three channels each); blockIdx.z = image of the chunk. Launched by letterbox_launch.cpp.
namespace yoloe {
namespace cuda {

extern "C" __global__ void yoloe_letterbox(LetterboxChunk chunk, LetterboxLut lut, void* dst, int fp16) {
  const LetterboxImage& im = chunk.images[blockIdx.z];
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

}  // namespace cuda
}  // namespace yoloe
