// Uploads uint8 images and letterboxes them on the GPU into a network input binding, through
// native/cuda's launchLetterboxBatch (same bytes as the CPU letterbox).
#pragma once

#include <functional>

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
// `uploaded` runs between the pixel upload and the launch (the profiler's phase boundary).
void letterboxOnGpu(const ImageBatch& batch, ImageStaging& staging, void* destination, bool fp16, cuda::CUstream stream,
                    const std::function<void()>& uploaded = {});

bool gpuLetterboxCompiled();

// A kernel launch's status -> nothing (0), ERR_BACKEND_UNAVAILABLE naming why the kernels are
// not usable on this machine (kernelStatus(): no NVRTC, an architecture it cannot target, a
// driver refusing the image), so callers can fall back to the CPU path, or ERR_BACKEND.
void checkKernelLaunch(int status, const char* kernel);

}  // namespace yoloe::trt
