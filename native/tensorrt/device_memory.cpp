#include "device_memory.h"

#include <utility>

#include "cuda_check.h"

namespace yoloe::trt {

namespace {

cuda::CUdeviceptr address(const void* pointer) { return static_cast<cuda::CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer)); }

}  // namespace

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes > 0) cudaCheck(driver().cuMemAlloc(&ptr_, bytes), "cuMemAlloc");
}

DeviceBuffer::~DeviceBuffer() { release(); }

void DeviceBuffer::release() noexcept {
  if (ptr_ != 0) cuda::driverApi().cuMemFree(ptr_);
  ptr_ = 0;
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, 0)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    release();
    ptr_ = std::exchange(other.ptr_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

PinnedBuffer::PinnedBuffer(size_t bytes, bool mapped) : bytes_(bytes) {
  if (bytes == 0) return;
  const cuda::DriverApi& api = driver();
  cudaCheck(api.cuMemHostAlloc(&host_, bytes, mapped ? cuda::kMemHostAllocDeviceMap : 0u), "cuMemHostAlloc");
  if (mapped) {
    cuda::CUdeviceptr pointer = 0;
    const cuda::CUresult status = api.cuMemHostGetDevicePointer(&pointer, host_, 0);
    if (status != cuda::kCudaSuccess) {
      release();
      cudaCheck(status, "cuMemHostGetDevicePointer");
    }
    device_ = reinterpret_cast<void*>(static_cast<uintptr_t>(pointer));
  }
}

PinnedBuffer::~PinnedBuffer() { release(); }

void PinnedBuffer::release() noexcept {
  if (host_ != nullptr) cuda::driverApi().cuMemFreeHost(host_);
  host_ = nullptr;
  device_ = nullptr;
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : host_(std::exchange(other.host_, nullptr)),
      device_(std::exchange(other.device_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    release();
    host_ = std::exchange(other.host_, nullptr);
    device_ = std::exchange(other.device_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

CudaStream::CudaStream() { cudaCheck(driver().cuStreamCreate(&stream_, cuda::kStreamNonBlocking), "cuStreamCreate"); }

CudaStream::~CudaStream() {
  if (stream_ != nullptr) cuda::driverApi().cuStreamDestroy(stream_);
}

void CudaStream::synchronize(const char* what) const { cudaCheck(driver().cuStreamSynchronize(stream_), what); }

void copyToDevice(void* device, const void* host, size_t bytes, cuda::CUstream stream, const char* what) {
  cudaCheck(driver().cuMemcpyHtoDAsync(address(device), host, bytes, stream), what);
}

void copyToHost(void* host, const void* device, size_t bytes, cuda::CUstream stream, const char* what) {
  cudaCheck(driver().cuMemcpyDtoHAsync(host, address(device), bytes, stream), what);
}

CudaGraph::~CudaGraph() { reset(); }

void CudaGraph::reset() {
  const cuda::DriverApi& api = cuda::driverApi();
  if (exec_ != nullptr) api.cuGraphExecDestroy(exec_);
  if (graph_ != nullptr) api.cuGraphDestroy(graph_);
  exec_ = nullptr;
  graph_ = nullptr;
}

bool CudaGraph::beginCapture(cuda::CUstream stream) {
  reset();
  // Thread-local mode: other threads' CUDA calls (other execution slots) stay legal meanwhile.
  return driver().cuStreamBeginCapture(stream, cuda::kStreamCaptureModeThreadLocal) == cuda::kCudaSuccess;
}

bool CudaGraph::endCapture(cuda::CUstream stream) {
  const cuda::DriverApi& api = driver();
  if (api.cuStreamEndCapture(stream, &graph_) != cuda::kCudaSuccess || graph_ == nullptr) {
    graph_ = nullptr;
    reset();
    return false;
  }
  if (api.cuGraphInstantiate(&exec_, graph_, 0) != cuda::kCudaSuccess) {
    exec_ = nullptr;
    reset();
    return false;
  }
  return true;
}

void CudaGraph::launch(cuda::CUstream stream) const { cudaCheck(driver().cuGraphLaunch(exec_, stream), "cuGraphLaunch"); }

}  // namespace yoloe::trt
