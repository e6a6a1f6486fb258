// What the binding may ask about the TensorRT libraries, without including NvInfer.h.
// Implemented in loader.cpp (only in builds with TensorRT headers).
#pragma once

#include <string>

namespace yoloe::trt {

// The headers this addon was compiled against: NV_TENSORRT_MAJOR and "major.minor.patch".
int headerMajor();
std::string headerVersion();

struct LoadedLibraries {
  std::string inferPath;
  std::string inferVersion;  // "10.3.0"
  int versionCode = 0;       // getInferLibVersion()
};

// Loads libnvinfer (not the parser) and describes it; throws BackendError(ERR_BACKEND_UNAVAILABLE).
LoadedLibraries loadInferLibrary();

}  // namespace yoloe::trt
