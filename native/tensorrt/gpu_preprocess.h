// Uploads uint8 images and letterboxes them on the GPU into a network input binding, through
// native/cuda's launchLetterboxBatch (same bytes as the CPU letterbox).
#pragma once

#include "device_memory.h"
#include "runtime.h"

namespace yoloe::trt {

// Staging memory of one execution slot, grown on demand and reused.
struct ImageStaging {
  PinnedBuffer host;
  DeviceBuffer device;
};

// Validates the batch, copies the pixels to the device and launches the letterbox into
// `destination` ([count, 3, inputHeight, inputWidth], float32 or fp16). Asynchronous on `stream`.
void letterboxOnGpu(const ImageBatch& batch, ImageStaging& staging, void* destination, bool fp16, cuda::CUstream stream);

bool gpuLetterboxCompiled();

}  // namespace yoloe::trt
