// RAII owners of CUDA memory, streams and graphs used by the builder's calibrator and the
// runtime's execution slots, through the driver API table (cuda_check.h). The caller keeps the
// owning device's context current while creating and destroying them.
#pragma once

#include <cstddef>

#include "cuda/driver_api.h"

namespace yoloe::trt {

class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  explicit DeviceBuffer(size_t bytes);
  ~DeviceBuffer();
  DeviceBuffer(DeviceBuffer&& other) noexcept;
  DeviceBuffer& operator=(DeviceBuffer&& other) noexcept;
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;

  void* get() const { return reinterpret_cast<void*>(static_cast<uintptr_t>(ptr_)); }
  cuda::CUdeviceptr address() const { return ptr_; }
  size_t bytes() const { return bytes_; }

 private:
  void release() noexcept;
  cuda::CUdeviceptr ptr_ = 0;
  size_t bytes_ = 0;
};

// Page-locked host memory. `mapped` = also visible to the GPU (zero-copy on integrated GPUs
// such as Jetson, where host and device share DRAM and a copy is pure overhead).
class PinnedBuffer {
 public:
  PinnedBuffer() = default;
  PinnedBuffer(size_t bytes, bool mapped);
  ~PinnedBuffer();
  PinnedBuffer(PinnedBuffer&& other) noexcept;
  PinnedBuffer& operator=(PinnedBuffer&& other) noexcept;
  PinnedBuffer(const PinnedBuffer&) = delete;
  PinnedBuffer& operator=(const PinnedBuffer&) = delete;

  void* host() const { return host_; }
  void* device() const { return device_; }  // null unless mapped
  size_t bytes() const { return bytes_; }

 private:
  void release() noexcept;
  void* host_ = nullptr;
  void* device_ = nullptr;
  size_t bytes_ = 0;
};

// A non-blocking stream; a CUstream is the cudaStream_t TensorRT takes (both CUstream_st*).
class CudaStream {
 public:
  CudaStream();
  ~CudaStream();
  CudaStream(const CudaStream&) = delete;
  CudaStream& operator=(const CudaStream&) = delete;
  cuda::CUstream get() const { return stream_; }
  void synchronize(const char* what) const;

 private:
  cuda::CUstream stream_ = nullptr;
};

// Asynchronous copies on a stream.
void copyToDevice(void* device, const void* host, size_t bytes, cuda::CUstream stream, const char* what);
void copyToHost(void* host, const void* device, size_t bytes, cuda::CUstream stream, const char* what);

// One captured and instantiated CUDA graph, replayed on a stream.
class CudaGraph {
 public:
  CudaGraph() = default;
  ~CudaGraph();
  CudaGraph(const CudaGraph&) = delete;
  CudaGraph& operator=(const CudaGraph&) = delete;

  bool ready() const { return exec_ != nullptr; }
  // False when the driver refuses to capture (the caller then runs without graphs).
  bool beginCapture(cuda::CUstream stream);
  // Ends the capture and instantiates; false (and nothing kept) when capture or instantiation
  // failed, so the caller falls back to plain enqueues.
  bool endCapture(cuda::CUstream stream);
  void launch(cuda::CUstream stream) const;
  void reset();

 private:
  cuda::CUgraph graph_ = nullptr;
  cuda::CUgraphExec exec_ = nullptr;
};

}  // namespace yoloe::trt
