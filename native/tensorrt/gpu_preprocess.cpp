#include "gpu_preprocess.h"

#include <cstring>
#include <vector>

#include "cuda_check.h"
#include "errors.h"

#if defined(YOLOE_WITH_CUDA)
#include "cuda/kernels.h"
#endif

namespace yoloe::trt {

bool gpuLetterboxCompiled() {
#if defined(YOLOE_WITH_CUDA)
  return true;
#else
  return false;
#endif
}

#if defined(YOLOE_WITH_CUDA)
namespace {

void checkImage(const ImageInput& image, const ImageBatch& batch, size_t index) {
  auto fail = [&](const std::string& why) {
    return BackendError(kErrShape, "Image " + std::to_string(index) + " of the batch: " + why);
  };
  if (image.data == nullptr || image.width <= 0 || image.height <= 0) throw fail("empty image");
  if (image.strideBytes < image.width * 3) throw fail("row stride smaller than width * 3");
  if (image.newWidth <= 0 || image.newHeight <= 0 || image.left < 0 || image.top < 0 ||
      image.left + image.newWidth > batch.inputWidth || image.top + image.newHeight > batch.inputHeight) {
    throw fail("letterbox geometry does not fit the " + std::to_string(batch.inputWidth) + "x" +
               std::to_string(batch.inputHeight) + " input");
  }
}

void grow(ImageStaging& staging, size_t bytes) {
  if (staging.host.bytes() >= bytes) return;
  // Grow by half again so a stream of slightly larger images does not reallocate every time.
  const size_t capacity = bytes + bytes / 2;
  staging.host = PinnedBuffer(capacity, false);
  staging.device = DeviceBuffer(capacity);
}

}  // namespace
#endif

void checkKernelLaunch(int status, const char* kernel) {
  if (status == 0) return;
#if defined(YOLOE_WITH_CUDA)
  if (status == static_cast<int>(cuda::kKernelsUnavailable)) {
    const cuda::KernelStatus why = cuda::kernelStatus();
    if (!why.usable) {
      throw BackendError(kErrUnavailable, std::string("The GPU kernels are not available on this machine (") + kernel +
                                              "): " + why.reason + (why.fix.empty() ? "" : "; " + why.fix));
    }
  }
  throw BackendError(kErrBackend, std::string(kernel) + " failed: " +
                                      cuda::describeCudaError(static_cast<cuda::CUresult>(status), kernel));
#else
  throw BackendError(kErrUnavailable, std::string(kernel) + ": this addon was built without the CUDA kernels");
#endif
}

void letterboxOnGpu(const ImageBatch& batch, ImageStaging& staging, void* destination, bool fp16, cuda::CUstream stream,
                    const std::function<void()>& uploaded) {
#if defined(YOLOE_WITH_CUDA)
  if (batch.images.empty()) throw BackendError(kErrShape, "No images to letterbox");
  if (batch.padValue < 0 || batch.padValue > 255) throw BackendError(kErrInvalidOption, "pad value must be 0..255");
  std::vector<size_t> offsets;
  size_t total = 0;
  for (size_t i = 0; i < batch.images.size(); ++i) {
    const ImageInput& image = batch.images[i];
    checkImage(image, batch, i);
    offsets.push_back(total);
    total += static_cast<size_t>(image.strideBytes) * static_cast<size_t>(image.height);
    total = (total + 255) & ~static_cast<size_t>(255);  // keep every image 256-byte aligned
  }
  grow(staging, total);
  // Previous use of this staging memory is ordered before us on the same stream.
  cudaCheck(driver().cuStreamSynchronize(stream), "cuStreamSynchronize (staging)");
  auto* host = static_cast<uint8_t*>(staging.host.host());
  std::vector<cuda::LetterboxImage> jobs;
  for (size_t i = 0; i < batch.images.size(); ++i) {
    const ImageInput& image = batch.images[i];
    std::memcpy(host + offsets[i], image.data, static_cast<size_t>(image.strideBytes) * static_cast<size_t>(image.height));
    cuda::LetterboxImage job{};
    job.srcHWC = static_cast<const uint8_t*>(staging.device.get()) + offsets[i];
    job.srcW = image.width;
    job.srcH = image.height;
    job.srcStrideBytes = image.strideBytes;
    job.params.dstW = batch.inputWidth;
    job.params.dstH = batch.inputHeight;
    job.params.newW = image.newWidth;
    job.params.newH = image.newHeight;
    job.params.left = image.left;
    job.params.top = image.top;
    job.params.padValue = batch.padValue;
    jobs.push_back(job);
  }
  copyToDevice(staging.device.get(), host, total, stream, "cuMemcpyHtoDAsync (images)");
  if (uploaded) uploaded();
  // The launch takes the stream as CUstream (driver API kernels) or cudaStream_t: the same
  // CUstream_st*; its status is CUresult or cudaError_t, 0 on success either way.
  checkKernelLaunch(static_cast<int>(cuda::launchLetterboxBatch(jobs.data(), static_cast<int>(jobs.size()), destination,
                                                                 fp16, stream)),
                    "launchLetterboxBatch");
#else
  (void)batch;
  (void)staging;
  (void)destination;
  (void)fp16;
  (void)stream;
  (void)uploaded;
  throw BackendError(kErrUnavailable, "GPU preprocessing needs the CUDA kernels: this addon was built without nvcc");
#endif
}

}  // namespace yoloe::trt
