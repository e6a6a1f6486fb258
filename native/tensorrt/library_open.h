// dlopen/dlsym with a record of every try. Header-free: used by the NvInfer loader and by the
// header-free probe (which reads getInferLibVersion, a plain C symbol, without NvInfer.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "loader_paths.h"

namespace yoloe::trt {

class SharedLibrary {
 public:
  SharedLibrary(void* handle, std::string path) : handle_(handle), path_(std::move(path)) {}
  ~SharedLibrary();
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  const std::string& path() const { return path_; }
  // The file the dynamic linker actually mapped (a bare name resolved through ld.so.cache or
  // RUNPATH, symlinks followed); "" when unknown.
  std::string realPath() const;
  // nullptr when the symbol is absent.
  void* symbol(const char* name) const;
  // Keep the library mapped for the life of the process: TensorRT objects and CUDA state created
  // through it must never outlive their code.
  void keepLoaded() { keepLoaded_ = true; }

 private:
  void* handle_;
  std::string path_;
  bool keepLoaded_ = false;
};

// Returns "" to accept the opened library, or the reason it is refused (the search goes on).
using LibraryAcceptor = std::function<std::string(SharedLibrary&)>;

struct OpenResult {
  std::unique_ptr<SharedLibrary> library;  // null when every candidate failed
  std::vector<LoadAttempt> attempts;       // every candidate tried, with its failure
};

OpenResult openFirstAccepted(const std::vector<std::string>& candidates, const LibraryAcceptor& accept);

// What probe() reports about libnvinfer, found without TensorRT headers.
struct InferLibraryProbe {
  bool found = false;
  std::string path;
  LibraryVersion version;
  std::vector<std::string> searched;  // the candidate list, in order
  std::string error;                  // notFoundMessage() when not found
};

InferLibraryProbe probeInferLibrary(const std::vector<int>& majors, const SearchEnvironment& env);

}  // namespace yoloe::trt
