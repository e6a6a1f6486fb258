// The CUDA launch path without a GPU: the launchers (native/cuda/*_launch.cpp) run against the
// host-memory driver of fake_cuda.h, whose cuLaunchKernel executes the generated kernel source
// on the host; results must equal the CPU twins bit for bit, and the grids, chunking, compile
// options and fallback decisions are checked from what the fake recorded.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <tuple>
#include <vector>

#include "core/candidates.h"
#include "core/half_element.h"
#include "core/letterbox.h"
#include "core/masks.h"
#include "cuda/kernel_module.h"
#include "cuda/kernel_source.h"
#include "cuda/kernels.h"
#include "cuda/runtime.h"
#include "cuda_tests.h"
#include "fake_cuda.h"
#include "harness.h"
#include "kernel_cases.h"

namespace yoloe_test {

using namespace yoloe;
using namespace yoloe::cuda;

namespace {

bool hasOption(const std::vector<std::string>& options, const std::string& o) {
  return std::find(options.begin(), options.end(), o) != options.end();
}

void letterboxThroughLaunchPath(Rng& rng) {
  installFakeCuda();
  const int B = 18, W = 96, H = 64;  // 18 images: one full chunk of 16 and one of 2
  std::vector<std::vector<uint8_t>> hostSrc;
  std::vector<LetterboxImage> images;
  for (int b = 0; b < B; b++) {
    const int w = rng.uniformInt(5, 150), h = rng.uniformInt(5, 120);
    const int stride = w * 3 + (b % 3) * 4;  // padded rows too
    std::vector<uint8_t> img(static_cast<size_t>(stride) * h);
    for (auto& v : img) v = static_cast<uint8_t>(rng.next());
    LetterboxParams p = fitLetterbox(w, h, W, H);
    p.padValue = b % 2 ? 114 : 0;
    hostSrc.push_back(img);
    images.push_back(LetterboxImage{fakeDeviceCopy(img), w, h, stride, p});
  }
  const size_t per = 3ull * W * H;
  for (int fp16 = 0; fp16 < 2; fp16++) {
    const size_t launchesBefore = fakeCuda().launches.size();
    void* d = fakeDeviceCopy(std::vector<uint8_t>(per * B * (fp16 ? 2 : 4), 0xee));
    CHECK(launchLetterboxBatch(images.data(), B, d, fp16 != 0, nullptr) == kCudaSuccess, "letterbox launch (fp16 %d)", fp16);
    int diff = 0;
    for (int b = 0; b < B; b++) {
      const auto& im = images[static_cast<size_t>(b)];
      if (fp16) {
        std::vector<uint16_t> want(per);
        letterbox(hostSrc[b].data(), im.srcW, im.srcH, im.srcStrideBytes, im.params, LetterboxOutput::F16_CHW, want.data());
        diff += std::memcmp(want.data(), static_cast<uint16_t*>(d) + per * b, per * 2) != 0;
      } else {
        std::vector<float> want(per);
        letterbox(hostSrc[b].data(), im.srcW, im.srcH, im.srcStrideBytes, im.params, LetterboxOutput::F32_CHW, want.data());
        diff += std::memcmp(want.data(), static_cast<float*>(d) + per * b, per * 4) != 0;
      }
    }
    CHECK(diff == 0, "letterbox through the launch path (fp16 %d): %d of %d images differ from the twin", fp16, diff, B);
    const auto& l = fakeCuda().launches;
    CHECK(l.size() - launchesBefore == 2, "18 images take 2 launches, got %zu", l.size() - launchesBefore);
    if (l.size() - launchesBefore == 2) {
      const FakeLaunch& a = l[launchesBefore];
      const FakeLaunch& c = l[launchesBefore + 1];
      CHECK(a.kernel == "yoloe_letterbox" && a.shape.gridZ == 16 && c.shape.gridZ == 2, "chunks of 16 then 2 images (%u, %u)",
            a.shape.gridZ, c.shape.gridZ);
      CHECK(a.shape.gridX == 3 && a.shape.gridY == 8 && a.shape.blockX == 32 && a.shape.blockY == 8,
            "grid 3x8 of 32x8 threads covers 96x64 (got %ux%u of %ux%u)", a.shape.gridX, a.shape.gridY, a.shape.blockX,
            a.shape.blockY);
    }
    fakeFree(d);
  }
  // one compilation for the process, for the fake GPU's architecture, with the twins' roundings
  const auto& compiles = fakeCuda().compiles;
  CHECK(compiles.size() == 1, "kernels compiled once, got %zu", compiles.size());
  if (!compiles.empty()) {
    CHECK(hasOption(compiles[0], "--gpu-architecture=sm_87") && hasOption(compiles[0], "--fmad=false"),
          "compile options name sm_87 and --fmad=false");
  }
  CHECK(fakeCuda().loadedImages.size() == 1 && fakeCuda().loadedImages[0].rfind("FAKE IMAGE sm_87 ", 0) == 0,
        "the compiled image is what cuModuleLoadData got");
  // invalid geometry: refused before any launch
  LetterboxImage bad = images[0];
  bad.params.left = W;  // content outside the canvas
  const size_t before = fakeCuda().launches.size();
  CHECK(launchLetterboxBatch(&bad, 1, bad.srcHWC == nullptr ? nullptr : reinterpret_cast<void*>(1), false, nullptr) ==
            kCudaErrorInvalidValue,
        "content outside the canvas is refused");
  CHECK(fakeCuda().launches.size() == before, "a refused letterbox launches nothing");
  for (auto& im : images) fakeFree(const_cast<uint8_t*>(im.srcHWC));
}

template <typename Head>
void decodeOnce(Rng& rng, int trial, bool fp16) {
  const int nc = trial % 2 ? 7 : 80, nm = 4, N = 300 + trial * 37;
  const int C = 4 + nc + nm;
  const bool transposed = trial % 4 >= 2, multi = trial % 3 == 0;
  std::vector<float> head(static_cast<size_t>(C) * N);
  for (auto& v : head) v = rng.uniform(0, 1) * rng.uniform(0, 1) * rng.uniform(0, 1) * 2.f;
  std::vector<Head> raw(head.size());
  for (size_t i = 0; i < head.size(); i++) {
    if constexpr (sizeof(Head) == 2) {
      raw[i] = floatToHalf(head[i]);
    } else {
      raw[i] = head[i];
    }
  }
  std::vector<uint8_t> allowed(static_cast<size_t>(nc), 1);
  const bool filter = trial % 5 == 1;
  if (filter) {
    for (int c = 0; c < nc; c++) allowed[static_cast<size_t>(c)] = c % 3 != 0;
  }
  ScanOptions o;
  o.conf = 0.25;
  o.multiLabel = multi;
  o.maxNms = 1 << 30;
  o.filterClasses = filter;
  o.allowed = allowed;
  const HeadShape shape{C, N, nc, transposed};
  const CandidateList want = fp16 ? scanRawHead(reinterpret_cast<const uint16_t*>(raw.data()), shape, o) : scanRawHead(head.data(), shape, o);
  const int cap = std::max<int>(1, static_cast<int>(want.size()) - (trial == 3 ? 5 : -8));  // trial 3: overflow
  Head* dHead = fakeDeviceCopy(raw);
  auto* dOut = fakeDeviceCopy(std::vector<DeviceCandidate>(static_cast<size_t>(cap)));
  int* dCount = fakeDeviceCopy(std::vector<int>{12345});
  uint8_t* dAllowed = filter ? fakeDeviceCopy(allowed) : nullptr;
  DecodeParams p;
  p.channels = C, p.anchors = N, p.nc = nc, p.transposed = transposed, p.fp16 = fp16, p.conf = 0.25, p.multiLabel = multi;
  p.capacity = cap, p.allowed = dAllowed;
  const size_t before = fakeCuda().launches.size();
  CHECK(launchDecodeCandidates(dHead, p, dOut, dCount, nullptr) == kCudaSuccess, "decode launch");
  const int count = *dCount;
  const bool same = sameCandidates(std::vector<DeviceCandidate>(dOut, dOut + std::min(count, cap)), count, want);
  CHECK(same, "decode trial %d (fp16 %d, nc %d, transposed %d, multi %d, filter %d): %d candidates, twin %zu", trial, fp16, nc,
        transposed, multi, filter, count, want.size());
  const auto& l = fakeCuda().launches;
  CHECK(l.size() == before + 1 && l.back().kernel == (fp16 ? "yoloe_decode_f16" : "yoloe_decode_f32") &&
            l.back().shape.gridX == static_cast<unsigned>((N + 255) / 256) && l.back().shape.blockX == 256,
        "decode: one launch of ceil(N / 256) blocks of the %s kernel", fp16 ? "fp16" : "fp32");
  fakeFree(dHead), fakeFree(dOut), fakeFree(dCount);
  if (dAllowed) fakeFree(dAllowed);
}

void decodeThroughLaunchPath(Rng& rng) {
  installFakeCuda();
  for (int trial = 0; trial < 8; trial++) {
    decodeOnce<float>(rng, trial, false);
    decodeOnce<uint16_t>(rng, trial, true);
  }
}

void masksThroughLaunchPath(Rng& rng) {
  installFakeCuda();
  for (int retina = 0; retina < 2; retina++) {
    MaskProtoShape s{8, 40, 40};
    MaskGeometry g;
    g.srcW = 150, g.srcH = 200, g.dstW = 160, g.dstH = 160, g.ratio = 160.0 / 200.0, g.left = 20, g.top = 0;
    const int n = 7;
    MaskCase c = randomMaskCase(rng, s.nm, s.ph, s.pw, n, 140, 60);
    const std::vector<float>& protos = c.protos;
    const std::vector<float>& coeffs = c.coeffs;
    std::vector<float>& boxes = c.boxes;
    boxes[0] = boxes[2] = 5.f;  // an empty mask among them
    const auto want = assembleMasks(protos.data(), s, coeffs.data(), boxes.data(), n, g, retina != 0);
    const MaskLayout layout = layoutMasks(planMasks(s, boxes.data(), n, g, retina != 0));
    MaskBuffers b{};
    b.logits = fakeDeviceCopy(std::vector<float>(static_cast<size_t>(layout.logitsCount)));
    b.binary = fakeDeviceCopy(std::vector<uint8_t>(static_cast<size_t>(layout.binaryBytes)));
    b.output = fakeDeviceCopy(std::vector<uint8_t>(static_cast<size_t>(layout.outputBytes), 7));
    b.jobs = fakeDeviceCopy(std::vector<MaskJob>(layout.jobs.size()));
    float* dProtos = fakeDeviceCopy(protos);
    float* dCoeffs = fakeDeviceCopy(coeffs);
    const size_t before = fakeCuda().launches.size();
    CHECK(launchAssembleMasks(dProtos, s, dCoeffs, g, retina != 0, layout, b, nullptr) == kCudaSuccess, "mask launch");
    int diff = 0;
    for (int d = 0; d < n; d++) {
      const auto& m = want[static_cast<size_t>(d)];
      const auto& j = layout.jobs[static_cast<size_t>(d)];
      if (!m.data.empty()) diff += std::memcmp(b.output + j.outputOffset, m.data.data(), m.data.size()) != 0;
    }
    CHECK(diff == 0, "masks through the launch path (retina %d): %d of %d masks differ from the twin", retina, diff, n);
    const size_t launches = fakeCuda().launches.size() - before;
    CHECK(launches == (retina ? 2u : 3u), "masks: %s passes, got %zu", retina ? "2" : "3", launches);
    CHECK(fakeCuda().launches.back().kernel == "yoloe_mask_output" && fakeCuda().launches.back().shape.gridY == static_cast<unsigned>(n),
          "the output pass has one block row per detection");
    fakeFree(b.logits), fakeFree(b.binary), fakeFree(b.output), fakeFree(b.jobs), fakeFree(dProtos), fakeFree(dCoeffs);
  }
}

// Issue 10 defect 15: the old letterbox called cudaMallocAsync on every launch, which fails on
// devices without memory pools. The launchers now allocate nothing: every buffer is the caller's
// (the TensorRT slot's staging, grown and reused) and the parameters travel by value; the only
// per-context work is compiling and loading the module, once. Counted through the driver table.
void launchesAllocateNothing(Rng& rng) {
  installFakeCuda();
  const int W = 64, H = 48, B = 20;  // two letterbox launches per batch (16 + 4)
  std::vector<uint8_t> pixels(static_cast<size_t>(90) * 70 * 3);
  for (auto& v : pixels) v = static_cast<uint8_t>(rng.next());
  uint8_t* src = fakeDeviceCopy(pixels);
  std::vector<LetterboxImage> images(B, LetterboxImage{src, 90, 70, 270, fitLetterbox(90, 70, W, H)});
  void* dst = fakeDeviceCopy(std::vector<float>(static_cast<size_t>(3) * W * H * B));
  const int nc = 5, N = 400;
  float* head = fakeDeviceCopy(std::vector<float>(static_cast<size_t>(4 + nc) * N, 0.5f));
  auto* candidates = fakeDeviceCopy(std::vector<DeviceCandidate>(64));
  int* counter = fakeDeviceCopy(std::vector<int>{0});
  DecodeParams dp;
  dp.channels = 4 + nc, dp.anchors = N, dp.nc = nc, dp.conf = 0.25, dp.capacity = 64;
  MaskProtoShape ms{8, 40, 40};
  MaskGeometry g;
  g.srcW = 150, g.srcH = 200, g.dstW = 160, g.dstH = 160, g.ratio = 160.0 / 200.0, g.left = 20, g.top = 0;
  MaskCase c = randomMaskCase(rng, ms.nm, ms.ph, ms.pw, 3, 140, 60);
  const MaskLayout layout = layoutMasks(planMasks(ms, c.boxes.data(), 3, g, false));
  MaskBuffers b{};
  b.logits = fakeDeviceCopy(std::vector<float>(static_cast<size_t>(layout.logitsCount) + 1));
  b.binary = fakeDeviceCopy(std::vector<uint8_t>(static_cast<size_t>(layout.binaryBytes) + 1));
  b.output = fakeDeviceCopy(std::vector<uint8_t>(static_cast<size_t>(layout.outputBytes) + 1));
  b.jobs = fakeDeviceCopy(std::vector<MaskJob>(layout.jobs.size()));
  float* protos = fakeDeviceCopy(c.protos);
  float* coeffs = fakeDeviceCopy(c.coeffs);
  const int allocated = fakeCuda().allocations, hostAllocated = fakeCuda().hostAllocations;
  const size_t launchesBefore = fakeCuda().launches.size();
  bool ok = true;
  for (int round = 0; round < 5; round++) {
    ok = ok && launchLetterboxBatch(images.data(), B, dst, round % 2 == 1, nullptr) == kCudaSuccess;
    ok = ok && launchDecodeCandidates(head, dp, candidates, counter, nullptr) == kCudaSuccess;
    ok = ok && launchAssembleMasks(protos, ms, coeffs, g, false, layout, b, nullptr) == kCudaSuccess;
  }
  CHECK(ok, "every launch succeeds");
  CHECK(fakeCuda().launches.size() - launchesBefore == 5u * (2 + 1 + 3), "5 rounds of 2 letterbox, 1 decode, 3 mask launches (%zu)",
        fakeCuda().launches.size() - launchesBefore);
  CHECK(fakeCuda().allocations == allocated && fakeCuda().hostAllocations == hostAllocated,
        "the launch path allocates nothing per launch (%d cuMemAlloc, %d cuMemHostAlloc during 30 launches)",
        fakeCuda().allocations - allocated, fakeCuda().hostAllocations - hostAllocated);
  CHECK(fakeCuda().compiles.size() == 1 && fakeCuda().loadedImages.size() == 1,
        "the module is compiled and loaded once for the context (%zu compiles, %zu loads)", fakeCuda().compiles.size(),
        fakeCuda().loadedImages.size());
  for (void* p : std::vector<void*>{src, dst, head, candidates, counter, b.logits, b.binary, b.output, b.jobs, protos, coeffs}) fakeFree(p);
}

// What a caller sees when the kernels cannot be had, and the compile target for each GPU.
void fallbackDecisions() {
  uint8_t pixel[3] = {1, 2, 3};
  float out[3 * 4 * 4];
  const LetterboxParams p = fitLetterbox(1, 1, 4, 4);

  installFakeCuda(false);  // no NVRTC
  CHECK(launchLetterbox(pixel, 1, 1, 3, p, out, false, nullptr) == kKernelsUnavailable, "no NVRTC: kernels unavailable");
  KernelStatus st = kernelStatus();
  CHECK(!st.usable && st.reason.find("NVRTC") != std::string::npos && st.fix.find("nvidia-cuda-nvrtc") != std::string::npos &&
            st.fix.find("JetPack") != std::string::npos,
        "no NVRTC: the reason names NVRTC and the fix says what to install (%s / %s)", st.reason.c_str(), st.fix.c_str());
  CHECK(fakeCuda().launches.empty() && fakeCuda().loadedImages.empty(), "no NVRTC: nothing launched or loaded");

  installFakeCuda();
  fakeCuda().noDevice = true;  // no current context
  CHECK(launchLetterbox(pixel, 1, 1, 3, p, out, false, nullptr) == kKernelsUnavailable, "no context: kernels unavailable");
  CHECK(kernelStatus().reason.find("context") != std::string::npos, "no context: says so (%s)", kernelStatus().reason.c_str());

  installFakeCuda();
  fakeCuda().ccMajor = 7, fakeCuda().ccMinor = 2;  // Xavier
  fakeNvrtcLibrary().major = 13, fakeNvrtcLibrary().minor = 0;
  fakeNvrtcLibrary().archs = {75, 80, 86, 87, 89, 90, 100, 110, 120};
  st = kernelStatus();
  CHECK(!st.usable && st.reason.find("sm_72") != std::string::npos && st.reason.find("CUDA 12") != std::string::npos,
        "NVRTC 13 on Xavier: refused, naming sm_72 and an NVRTC that can (%s)", st.reason.c_str());
  CHECK(fakeCuda().compiles.empty(), "NVRTC 13 on Xavier: nothing compiled");

  installFakeCuda();
  fakeCuda().ccMajor = 12, fakeCuda().ccMinor = 1;  // a GPU newer than NVRTC 12.6
  st = kernelStatus();
  CHECK(st.usable && st.target == "compute_90", "GPU newer than NVRTC: PTX of its newest architecture (%s)", st.target.c_str());
  CHECK(fakeCuda().compiles.size() == 1 && hasOption(fakeCuda().compiles[0], "--gpu-architecture=compute_90"), "PTX compile options");

  installFakeCuda();
  fakeCuda().compileFails = true;
  st = kernelStatus();
  CHECK(!st.usable && st.reason.find("did not compile") != std::string::npos && st.reason.find("fake error") != std::string::npos,
        "a failed compilation reports NVRTC's log (%s)", st.reason.c_str());
  kernelStatus();
  CHECK(fakeCuda().compiles.size() == 1, "a failed compilation is not retried on every launch (%zu)", fakeCuda().compiles.size());

  installFakeCuda();
  fakeCuda().loadResult = kCudaErrorInvalidImage;
  st = kernelStatus();
  CHECK(!st.usable && st.reason.find("cuModuleLoadData") != std::string::npos && st.fix.find("driver") != std::string::npos,
        "a refused image names cuModuleLoadData and suggests a newer driver (%s)", st.reason.c_str());

  // stale module handles (the context was destroyed and a new one has its address): reload once
  installFakeCuda();
  fakeCuda().staleLaunches = 1;
  CHECK(launchLetterbox(pixel, 1, 1, 3, p, out, false, nullptr) == kCudaSuccess && fakeCuda().loadedImages.size() == 2 &&
            fakeCuda().launches.size() == 1,
        "a stale handle reloads the module and launches (%zu loads, %zu launches)", fakeCuda().loadedImages.size(),
        fakeCuda().launches.size());
  fakeCuda().staleLaunches = 5;
  CHECK(launchLetterbox(pixel, 1, 1, 3, p, out, false, nullptr) == 400, "a handle stale again after the reload is reported");

  // queryCuda through the table
  installFakeCuda();
  CudaReport r = queryCuda();
  CHECK(r.state == "ok" && r.driverVersion == 12060 && r.devices.size() == 1 && r.devices[0].name == "Fake Orin" &&
            r.devices[0].major == 8 && r.devices[0].minor == 7 && r.devices[0].integrated && r.error.empty(),
        "queryCuda: one integrated sm_87 device (%s, %zu devices)", r.state.c_str(), r.devices.size());
  fakeCuda().noDevice = true;
  r = queryCuda();
  CHECK(r.state == "no-device" && r.devices.empty() && !r.error.empty(), "queryCuda without a device: no-device (%s)", r.state.c_str());
  uninstallFakeCuda();
}

}  // namespace

void runLaunchPathTests() {
  Rng rng(11);
  letterboxThroughLaunchPath(rng);
  decodeThroughLaunchPath(rng);
  masksThroughLaunchPath(rng);
  launchesAllocateNothing(rng);
  fallbackDecisions();
  uninstallFakeCuda();
}

}  // namespace yoloe_test
