// yoloe_gpu_bench [--fake]: what detect() adds around enqueueV3 on the TensorRT backend, on this
// GPU, against the CPU path it replaces. Stages of one 1920x1080 frame into a 640x640 input and of
// a yolov8n / yolov8n-seg head (84 / 116 x 8400) with a realistic number of candidates:
//   GPU path: upload RGB (pinned) -> letterbox kernel -> [enqueueV3] -> decode kernel -> download
//             candidates (+ the 32 x 8400 mask-coefficient rows for a segmenter)
//   CPU path: CPU letterbox -> upload the float input -> [enqueueV3] -> download the whole head ->
//             CPU scan
// enqueueV3 itself needs TensorRT (npm run bench -- tensorrt prints it next to these on a TensorRT
// machine); scripts/gpu-check.sh runs this on a GPU machine without TensorRT or Node. Every GPU
// result is compared with its CPU twin first, so a wrong kernel cannot produce a fast number.
// --fake: the host-memory driver (fake_cuda.h), a smoke run for CI; its times mean nothing.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "core/candidates.h"
#include "core/letterbox.h"
#include "cuda/kernel_module.h"
#include "cuda/kernels.h"
#include "cuda/runtime.h"
#include "fake_cuda.h"
#include "harness.h"
#include "kernel_cases.h"

namespace yoloe_test {
int failures = 0;
int checks = 0;
}  // namespace yoloe_test

namespace {

using namespace yoloe;
using namespace yoloe::cuda;
using yoloe_test::Rng;

int iterations = 50;

// Median wall-clock ms of `body`, each run ended by a device synchronize (so a stage's time
// includes its launch overhead, as detect() pays it).
double medianMs(const std::function<bool()>& body) {
  std::vector<double> t;
  for (int i = 0; i < iterations + 3; i++) {
    const auto t0 = std::chrono::steady_clock::now();
    if (!body() || driverApi().cuStreamSynchronize(nullptr) != kCudaSuccess) return -1;
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (i >= 3) t.push_back(ms);  // the first runs load modules and warm caches
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

template <typename T>
T* deviceAlloc(size_t n) {
  CUdeviceptr d = 0;
  return driverApi().cuMemAlloc(&d, sizeof(T) * std::max<size_t>(1, n)) == kCudaSuccess ? reinterpret_cast<T*>(d) : nullptr;
}

void* pinned(size_t bytes) {
  void* p = nullptr;
  return driverApi().cuMemHostAlloc(&p, bytes, 0) == kCudaSuccess ? p : nullptr;
}

bool upload(void* d, const void* h, size_t n) {
  return driverApi().cuMemcpyHtoDAsync(reinterpret_cast<CUdeviceptr>(d), h, n, nullptr) == kCudaSuccess;
}
bool download(void* h, const void* d, size_t n) {
  return driverApi().cuMemcpyDtoHAsync(h, reinterpret_cast<CUdeviceptr>(d), n, nullptr) == kCudaSuccess;
}

// A head whose scores mostly sit far below conf, a few hundred anchors above it (a busy street
// frame at conf 0.25 has 100-600 raw candidates before NMS).
std::vector<float> realisticHead(Rng& rng, int channels, int anchors, int nc) {
  std::vector<float> head(static_cast<size_t>(channels) * anchors);
  for (int a = 0; a < anchors; a++) {
    for (int k = 0; k < 4; k++) head[static_cast<size_t>(k) * anchors + a] = rng.uniform(0, 640);
    const bool object = rng.uniformInt(0, 99) < 4;  // ~4 % of anchors: ~340 candidates
    for (int c = 0; c < nc; c++) {
      const float low = rng.uniform(0, 0.02f);
      head[static_cast<size_t>(4 + c) * anchors + a] = object && c == a % nc ? rng.uniform(0.3f, 0.95f) : low;
    }
    for (int k = 4 + nc; k < channels; k++) head[static_cast<size_t>(k) * anchors + a] = rng.uniform(-1, 1);
  }
  return head;
}

struct Row {
  std::string stage;
  double gpu = -1, cpu = -1;
};

void print(const std::vector<Row>& rows) {
  std::printf("| stage | GPU path ms | CPU path ms |\n|---|---|---|\n");
  for (const Row& r : rows) {
    auto cell = [](double v) { return v < 0 ? std::string("-") : std::to_string(v).substr(0, std::to_string(v).find('.') + 4); };
    std::printf("| %s | %s | %s |\n", r.stage.c_str(), cell(r.gpu).c_str(), cell(r.cpu).c_str());
  }
}

int run() {
  Rng rng(11);
  const int srcW = 1920, srcH = 1080, W = 640, H = 640;
  std::vector<uint8_t> frame(static_cast<size_t>(srcW) * srcH * 3);
  for (auto& v : frame) v = static_cast<uint8_t>(rng.next());
  const LetterboxParams p = yoloe_test::fitLetterbox(srcW, srcH, W, H);
  const size_t frameBytes = frame.size(), inputFloats = 3ull * W * H;

  auto* hostFrame = static_cast<uint8_t*>(pinned(frameBytes));
  auto* dFrame = deviceAlloc<uint8_t>(frameBytes);
  auto* dInput = deviceAlloc<float>(inputFloats);
  auto* hostInput = static_cast<float*>(pinned(inputFloats * sizeof(float)));
  if (!hostFrame || !dFrame || !dInput || !hostInput) return std::printf("allocation failed\n"), 1;
  std::memcpy(hostFrame, frame.data(), frameBytes);

  // Correctness first: the kernel's input equals the CPU letterbox, byte for byte.
  LetterboxImage job{dFrame, srcW, srcH, srcW * 3, p};
  std::vector<float> want(inputFloats), got(inputFloats);
  letterbox(frame.data(), srcW, srcH, srcW * 3, p, LetterboxOutput::F32_CHW, want.data());
  if (!upload(dFrame, hostFrame, frameBytes) || launchLetterboxBatch(&job, 1, dInput, false, nullptr) != kCudaSuccess ||
      !download(got.data(), dInput, inputFloats * sizeof(float)) || driverApi().cuStreamSynchronize(nullptr) != kCudaSuccess) {
    return std::printf("letterbox launch failed: %s\n", kernelStatus().reason.c_str()), 1;
  }
  if (got != want) return std::printf("GPU letterbox differs from the CPU twin: no timing\n"), 1;

  std::vector<Row> rows;
  rows.push_back({"1080p frame: upload RGB uint8 (pinned)", medianMs([&] { return upload(dFrame, hostFrame, frameBytes); }), -1});
  rows.push_back({"letterbox 1920x1080 -> 640x640 float32",
                  medianMs([&] { return launchLetterboxBatch(&job, 1, dInput, false, nullptr) == kCudaSuccess; }),
                  medianMs([&] {
                    letterbox(frame.data(), srcW, srcH, srcW * 3, p, LetterboxOutput::F32_CHW, hostInput);
                    return true;
                  })});
  rows.push_back({"upload the 640x640 float32 input (pinned)", -1,
                  medianMs([&] { return upload(dInput, hostInput, inputFloats * sizeof(float)); })});

  for (const int nm : {0, 32}) {
    const int nc = 80, N = 8400, C = 4 + nc + nm;
    const std::string name = nm ? "yolov8n-seg head 116x8400" : "yolov8n head 84x8400";
    const std::vector<float> head = realisticHead(rng, C, N, nc);
    auto* dHead = deviceAlloc<float>(head.size());
    auto* dOut = deviceAlloc<DeviceCandidate>(N);
    auto* dCount = deviceAlloc<int>(1);
    std::vector<float> hostHead(head.size());
    std::vector<DeviceCandidate> hostCands(N);
    std::vector<float> hostCoeffs(static_cast<size_t>(nm) * N);
    if (!dHead || !dOut || !dCount || !upload(dHead, head.data(), head.size() * sizeof(float))) return 1;
    DecodeParams dp;
    dp.channels = C, dp.anchors = N, dp.nc = nc, dp.conf = 0.25, dp.capacity = N;
    ScanOptions so;
    so.conf = 0.25, so.maxNms = 1 << 30;
    const CandidateList twin = scanRawHead(head.data(), HeadShape{C, N, nc, false}, so);
    int count = 0;
    auto compact = [&] {
      if (launchDecodeCandidates(dHead, dp, dOut, dCount, nullptr) != kCudaSuccess || !download(&count, dCount, sizeof(int)) ||
          driverApi().cuStreamSynchronize(nullptr) != kCudaSuccess) {
        return false;
      }
      const bool coeffs = nm == 0 || download(hostCoeffs.data(), dHead + static_cast<size_t>(4 + nc) * N, hostCoeffs.size() * sizeof(float));
      return coeffs && download(hostCands.data(), dOut, sizeof(DeviceCandidate) * static_cast<size_t>(std::min(count, N)));
    };
    if (!compact() || driverApi().cuStreamSynchronize(nullptr) != kCudaSuccess ||
        !yoloe_test::sameCandidates(std::vector<DeviceCandidate>(hostCands.begin(), hostCands.begin() + std::min(count, N)), count, twin)) {
      return std::printf("%s: GPU compaction differs from the CPU twin: no timing\n", name.c_str()), 1;
    }
    rows.push_back({name + ": " + std::to_string(count) + " candidates, compact + download (GPU) / download whole head (CPU)",
                    medianMs(compact), medianMs([&] { return download(hostHead.data(), dHead, head.size() * sizeof(float)); })});
    rows.push_back({name + ": CPU scan of the whole head", -1, medianMs([&] {
                      return scanRawHead(hostHead.data(), HeadShape{C, N, nc, false}, so).size() == twin.size();
                    })});
    driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(dHead));
    driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(dOut));
    driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(dCount));
  }
  print(rows);
  driverApi().cuMemFreeHost(hostFrame);
  driverApi().cuMemFreeHost(hostInput);
  driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(dFrame));
  driverApi().cuMemFree(reinterpret_cast<CUdeviceptr>(dInput));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const bool fake = argc > 1 && std::strcmp(argv[1], "--fake") == 0;
  if (fake) {
    yoloe_test::installFakeCuda(true);
    iterations = 1;
    std::printf("host-memory driver (smoke run): the times below mean nothing\n");
  } else {
    const CudaReport report = queryCuda();
    if (report.state != "ok") {
      std::printf("no usable CUDA device (%s: %s): benchmark NOT RUN\n", report.state.c_str(), report.error.c_str());
      return 77;
    }
    CUdevice device = 0;
    CUcontext context = nullptr;
    const DriverApi& d = driverApi();
    if (d.cuDeviceGet(&device, 0) != kCudaSuccess || d.cuDevicePrimaryCtxRetain(&context, device) != kCudaSuccess ||
        d.cuCtxSetCurrent(context) != kCudaSuccess) {
      std::printf("the primary context of device 0 could not be made current: benchmark NOT RUN\n");
      return 77;
    }
    std::printf("GPU: %s (sm_%d%d), median of %d runs\n", report.devices[0].name.c_str(), report.devices[0].major,
                report.devices[0].minor, iterations);
  }
  return run();
}
