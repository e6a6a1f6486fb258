// Every CUDA kernel against its CPU twin on random inputs (exact comparisons: the kernels share
// the twins' per-element code), on a real GPU: the driver is loaded at run time and the kernels
// are compiled by NVRTC exactly as the addon does (native/cuda). Without a driver, a device or
// NVRTC, the comparisons are reported as NOT RUN. scripts/gpu-check.sh runs this on a GPU machine.
#include <cstdio>

#include "harness.h"

#if defined(YOLOE_WITH_CUDA)
#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "core/candidates.h"
#include "core/letterbox.h"
#include "core/masks.h"
#include "cuda/kernel_module.h"
#include "cuda/kernels.h"
#include "cuda/runtime.h"
#include "kernel_cases.h"
#endif

namespace yoloe_test {

constexpr int kGpuKernels = 3;  // letterbox, decode, masks

#if !defined(YOLOE_WITH_CUDA)

int runGpuKernelTests() {
  std::printf("CUDA layer not compiled in: GPU comparisons not run\n");
  return kGpuKernels;
}

#else

using namespace yoloe;
using namespace yoloe::cuda;

namespace {

#define CUDA_OK(call)                                                                      \
  do {                                                                                     \
    const CUresult e_ = (call);                                                            \
    CHECK(e_ == kCudaSuccess, "%s -> %s", #call, describeCudaError(e_, "call").c_str());   \
    if (e_ != kCudaSuccess) return;                                                        \
  } while (0)

template <typename T>
T* toDevice(const std::vector<T>& h) {
  CUdeviceptr d = 0;
  if (driverApi().cuMemAlloc(&d, sizeof(T) * std::max<size_t>(1, h.size())) != kCudaSuccess) return nullptr;
  if (!h.empty()) driverApi().cuMemcpyHtoDAsync(d, h.data(), sizeof(T) * h.size(), nullptr);
  driverApi().cuStreamSynchronize(nullptr);
  return reinterpret_cast<T*>(d);
}

template <typename T>
T* deviceAlloc(size_t n) {
  CUdeviceptr d = 0;
  if (driverApi().cuMemAlloc(&d, sizeof(T) * std::max<size_t>(1, n)) != kCudaSuccess) return nullptr;
  return reinterpret_cast<T*>(d);
}

template <typename T>
std::vector<T> toHost(const T* d, size_t n) {
  std::vector<T> h(n);
  if (n) driverApi().cuMemcpyDtoHAsync(h.data(), reinterpret_cast<CUdeviceptr>(d), sizeof(T) * n, nullptr);
  driverApi().cuStreamSynchronize(nullptr);
  return h;
}

void deviceFree(const void* p) { driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(p)); }

CUresult synchronize() { return driverApi().cuCtxSynchronize(); }

void gpuLetterbox(Rng& rng) {
  const int dims[][2] = {{810, 1080}, {1280, 720}, {33, 17}, {640, 640}, {1280, 1280}};
  const int B = 5, W = 640, H = 640;
  std::vector<uint8_t*> srcs;
  std::vector<LetterboxImage> images;
  std::vector<std::vector<uint8_t>> hostSrc;
  for (int b = 0; b < B; b++) {
    const int w = dims[b][0], h = dims[b][1];
    std::vector<uint8_t> img(static_cast<size_t>(w) * h * 3);
    for (auto& v : img) v = static_cast<uint8_t>(rng.next());
    const LetterboxParams p = fitLetterbox(w, h, W, H);
    srcs.push_back(toDevice(img));
    images.push_back(LetterboxImage{srcs.back(), w, h, w * 3, p});
    hostSrc.push_back(std::move(img));
  }
  const size_t per = 3ull * W * H;
  for (int fp16 = 0; fp16 < 2; fp16++) {
    void* d = nullptr;
    CUDA_OK((d = deviceAlloc<char>(per * B * (fp16 ? 2 : 4))) ? kCudaSuccess : kCudaErrorOutOfMemory);
    CUDA_OK(launchLetterboxBatch(images.data(), B, d, fp16 != 0, nullptr));
    CUDA_OK(synchronize());
    for (int b = 0; b < B; b++) {
      const auto& im = images[static_cast<size_t>(b)];
      int diff = 0;
      if (fp16) {
        std::vector<uint16_t> want(per);
        letterbox(hostSrc[static_cast<size_t>(b)].data(), im.srcW, im.srcH, im.srcStrideBytes, im.params, LetterboxOutput::F16_CHW, want.data());
        const auto got = toHost(static_cast<uint16_t*>(d) + per * b, per);
        for (size_t i = 0; i < per; i++) diff += got[i] != want[i];
      } else {
        std::vector<float> want(per);
        letterbox(hostSrc[static_cast<size_t>(b)].data(), im.srcW, im.srcH, im.srcStrideBytes, im.params, LetterboxOutput::F32_CHW, want.data());
        const auto got = toHost(static_cast<float*>(d) + per * b, per);
        for (size_t i = 0; i < per; i++) diff += got[i] != want[i];
      }
      CHECK(diff == 0, "GPU letterbox image %d (%dx%d, fp16 %d): %d values differ from the twin", b, im.srcW, im.srcH, fp16, diff);
    }
    deviceFree(d);
  }
  for (auto* s : srcs) deviceFree(s);
}

void gpuDecode(Rng& rng) {
  for (int trial = 0; trial < 8; trial++) {
    const int nc = trial < 4 ? 80 : 4585, nm = 32, N = trial % 2 ? 8400 : 2100;
    const int C = 4 + nc + nm;
    const bool transposed = trial % 4 >= 2, multi = trial % 3 == 0;
    std::vector<float> head(static_cast<size_t>(C) * N);
    for (auto& v : head) v = rng.uniform(0, 1) * rng.uniform(0, 1) * rng.uniform(0, 1);
    ScanOptions o;
    o.conf = 0.25;
    o.multiLabel = multi;
    o.maxNms = 1 << 30;
    const CandidateList want = scanRawHead(head.data(), HeadShape{C, N, nc, transposed}, o);
    float* dHead = toDevice(head);
    DeviceCandidate* dOut = nullptr;
    int* dCount = nullptr;
    const int cap = static_cast<int>(want.size()) + 16;
    dOut = deviceAlloc<DeviceCandidate>(static_cast<size_t>(cap));
    dCount = deviceAlloc<int>(1);
    DecodeParams p;
    p.channels = C, p.anchors = N, p.nc = nc, p.transposed = transposed, p.conf = 0.25, p.multiLabel = multi, p.capacity = cap;
    CUDA_OK(launchDecodeCandidates(dHead, p, dOut, dCount, nullptr));
    CUDA_OK(synchronize());
    const int count = toHost(dCount, 1)[0];
    const bool same = sameCandidates(toHost(dOut, static_cast<size_t>(std::min(count, cap))), count, want);
    CHECK(same, "GPU decode trial %d (nc %d, transposed %d, multi %d): %d candidates, twin %zu", trial, nc, transposed, multi, count, want.size());
    deviceFree(dHead), deviceFree(dOut), deviceFree(dCount);
  }
}

void gpuMasks(Rng& rng) {
  for (int retina = 0; retina < 2; retina++) {
    MaskProtoShape s{32, 160, 160};
    MaskGeometry g;
    g.srcW = 810, g.srcH = 1080, g.dstW = 640, g.dstH = 640, g.ratio = 640.0 / 1080.0, g.left = 80, g.top = 0;
    const int n = 40;
    const MaskCase c = randomMaskCase(rng, s.nm, s.ph, s.pw, n, 600, 300);
    const std::vector<float>& protos = c.protos;
    const std::vector<float>& coeffs = c.coeffs;
    const std::vector<float>& boxes = c.boxes;
    const auto want = assembleMasks(protos.data(), s, coeffs.data(), boxes.data(), n, g, retina != 0);
    const auto plans = planMasks(s, boxes.data(), n, g, retina != 0);
    const MaskLayout layout = layoutMasks(plans);
    float* dProtos = toDevice(protos);
    float* dCoeffs = toDevice(coeffs);
    MaskBuffers b{};
    b.logits = deviceAlloc<float>(static_cast<size_t>(layout.logitsCount));
    b.binary = deviceAlloc<uint8_t>(static_cast<size_t>(layout.binaryBytes));
    b.output = deviceAlloc<uint8_t>(static_cast<size_t>(layout.outputBytes));
    b.jobs = deviceAlloc<MaskJob>(layout.jobs.size());
    CUDA_OK(launchAssembleMasks(dProtos, s, dCoeffs, g, retina != 0, layout, b, nullptr));
    CUDA_OK(synchronize());
    const auto out = toHost(b.output, static_cast<size_t>(layout.outputBytes));
    int diff = 0;
    for (int d = 0; d < n; d++) {
      const auto& m = want[static_cast<size_t>(d)];
      const auto& j = layout.jobs[static_cast<size_t>(d)];
      for (size_t i = 0; i < m.data.size(); i++) diff += out[static_cast<size_t>(j.outputOffset) + i] != m.data[i];
    }
    CHECK(diff == 0, "GPU masks (retina %d): %d pixels differ from the twin", retina, diff);
    deviceFree(dProtos), deviceFree(dCoeffs), deviceFree(b.logits), deviceFree(b.binary), deviceFree(b.output), deviceFree(b.jobs);
  }
}

}  // namespace

int runGpuKernelTests() {
  const CudaReport report = queryCuda();
  if (report.state != "ok") {
    std::printf("no usable CUDA device (%s: %s): GPU comparisons not run\n", report.state.c_str(), report.error.c_str());
    return kGpuKernels;
  }
  const DriverApi& d = driverApi();
  CUdevice device = 0;
  CUcontext context = nullptr;
  if (d.cuDeviceGet(&device, 0) != kCudaSuccess || d.cuDevicePrimaryCtxRetain(&context, device) != kCudaSuccess ||
      d.cuCtxSetCurrent(context) != kCudaSuccess) {
    std::printf("the primary context of device 0 could not be made current: GPU comparisons not run\n");
    return kGpuKernels;
  }
  const KernelStatus k = kernelStatus();
  std::printf("GPU comparisons on %s (sm_%d%d, driver %d), NVRTC %s\n", report.devices[0].name.c_str(), report.devices[0].major,
              report.devices[0].minor, report.driverVersion, k.nvrtc.empty() ? "not found" : k.nvrtc.c_str());
  if (!k.usable) {
    std::printf("kernels unavailable: %s\n  fix: %s\nGPU comparisons not run\n", k.reason.c_str(), k.fix.c_str());
    return kGpuKernels;
  }
  std::printf("kernels: %s%s\n", k.target.c_str(), k.fromCache ? " (from the disk cache)" : " (compiled now)");
  Rng rng(7);
  const int before = failures;
  gpuLetterbox(rng);
  gpuDecode(rng);
  gpuMasks(rng);
  std::printf("GPU kernels vs twins: %d failures\n", failures - before);
  d.cuDevicePrimaryCtxRelease(device);
  return 0;
}

#endif

}  // namespace yoloe_test
