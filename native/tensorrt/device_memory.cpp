#include "device_memory.h"

#include <utility>

#include "cuda_check.h"

namespace yoloe::trt {

DeviceBuffer::DeviceBuffer(size_t bytes) : bytes_(bytes) {
  if (bytes > 0) cudaCheck(cudaMalloc(&ptr_, bytes), "cudaMalloc");
}

DeviceBuffer::~DeviceBuffer() {
  if (ptr_ != nullptr) cudaFree(ptr_);
}

DeviceBuffer::DeviceBuffer(DeviceBuffer&& other) noexcept
    : ptr_(std::exchange(other.ptr_, nullptr)), bytes_(std::exchange(other.bytes_, 0)) {}

DeviceBuffer& DeviceBuffer::operator=(DeviceBuffer&& other) noexcept {
  if (this != &other) {
    if (ptr_ != nullptr) cudaFree(ptr_);
    ptr_ = std::exchange(other.ptr_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

PinnedBuffer::PinnedBuffer(size_t bytes, bool mapped) : bytes_(bytes) {
  if (bytes == 0) return;
  cudaCheck(cudaHostAlloc(&host_, bytes, mapped ? cudaHostAllocMapped : cudaHostAllocDefault), "cudaHostAlloc");
  if (mapped) {
    const cudaError_t status = cudaHostGetDevicePointer(&device_, host_, 0);
    if (status != cudaSuccess) {
      cudaFreeHost(host_);
      host_ = nullptr;
      cudaCheck(status, "cudaHostGetDevicePointer");
    }
  }
}

PinnedBuffer::~PinnedBuffer() {
  if (host_ != nullptr) cudaFreeHost(host_);
}

PinnedBuffer::PinnedBuffer(PinnedBuffer&& other) noexcept
    : host_(std::exchange(other.host_, nullptr)),
      device_(std::exchange(other.device_, nullptr)),
      bytes_(std::exchange(other.bytes_, 0)) {}

PinnedBuffer& PinnedBuffer::operator=(PinnedBuffer&& other) noexcept {
  if (this != &other) {
    if (host_ != nullptr) cudaFreeHost(host_);
    host_ = std::exchange(other.host_, nullptr);
    device_ = std::exchange(other.device_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

CudaStream::CudaStream() { cudaCheck(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate"); }

CudaStream::~CudaStream() {
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

void CudaStream::synchronize(const char* what) const { cudaCheck(cudaStreamSynchronize(stream_), what); }

CudaGraph::~CudaGraph() { reset(); }

void CudaGraph::reset() {
  if (exec_ != nullptr) cudaGraphExecDestroy(exec_);
  if (graph_ != nullptr) cudaGraphDestroy(graph_);
  exec_ = nullptr;
  graph_ = nullptr;
}

void CudaGraph::beginCapture(cudaStream_t stream) {
  reset();
  // Thread-local mode: other threads' CUDA calls (other execution slots) stay legal meanwhile.
  cudaCheck(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "cudaStreamBeginCapture");
}

bool CudaGraph::endCapture(cudaStream_t stream) {
  const cudaError_t captured = cudaStreamEndCapture(stream, &graph_);
  if (captured != cudaSuccess || graph_ == nullptr) {
    cudaGetLastError();  // clear the sticky-free capture error so later calls start clean
    reset();
    return false;
  }
#if CUDART_VERSION >= 12000
  const cudaError_t instantiated = cudaGraphInstantiate(&exec_, graph_, 0);
#else
  const cudaError_t instantiated = cudaGraphInstantiate(&exec_, graph_, nullptr, nullptr, 0);
#endif
  if (instantiated != cudaSuccess) {
    cudaGetLastError();
    exec_ = nullptr;
    reset();
    return false;
  }
  return true;
}

void CudaGraph::launch(cudaStream_t stream) const { cudaCheck(cudaGraphLaunch(exec_, stream), "cudaGraphLaunch"); }

}  // namespace yoloe::trt
