// What the binding may ask about the TensorRT libraries, without including NvInfer.h.
// Implemented in loader.cpp (only in builds with TensorRT headers).
#pragma once

#include <string>

#include "loader_paths.h"

namespace yoloe::trt {

// The headers this addon was compiled against: NV_TENSORRT_MAJOR and "major.minor.patch".
int headerMajor();
std::string headerVersion();

// "" when a library of this version may be called through these headers, else why not.
std::string refuseLibraryVersion(const LibraryVersion& version);

struct LoadedLibraries {
  std::string inferPath;
  std::string inferVersion;  // "10.3.0"
  int build = -1;            // getInferLibBuildVersion(), -1 when the library has none
  int versionCode = 0;       // getInferLibVersion()
};

// Loads libnvinfer (not the parser) and describes it; throws BackendError(ERR_BACKEND_UNAVAILABLE).
LoadedLibraries loadInferLibrary();

// "" when engines can be built here, else why not (builder resource library missing).
std::string builderUnavailableReason();

}  // namespace yoloe::trt
