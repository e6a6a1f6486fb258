// Internal to native/tensorrt (includes NvInfer.h); the binding uses library_info.h.
// Loads libnvinfer / libnvonnxparser at run time (dlopen): the addon never links TensorRT, so it
// loads on machines without it and reports why TensorRT is unusable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include "library_info.h"
#include "loader_paths.h"

namespace yoloe::trt {

struct InferLibrary {
  std::string path;      // the candidate that was opened
  std::string realPath;  // the file mapped ("/opt/TensorRT/lib/libnvinfer.so.10.3.0")
  LibraryVersion version;
  int32_t versionCode = 0;  // getInferLibVersion()
  // Every object gets processLogger(): TensorRT keeps one logger per process.
  nvinfer1::IBuilder* createBuilder() const;
  nvinfer1::IRuntime* createRuntime() const;

  void* createBuilderFn = nullptr;
  void* createRuntimeFn = nullptr;
};

struct ParserLibrary {
  std::string path;
  nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network) const;

  void* createParserFn = nullptr;
};

// Loaded once per process, thread-safe; a failed search is retried on the next call (so setting
// TENSORRT_LIB_DIR and retrying works). Throws BackendError(ERR_BACKEND_UNAVAILABLE) naming
// every path tried, or a library whose major differs from the headers' or that is older than them.
const InferLibrary& inferLibrary();
// Only builds need the ONNX parser; engines run without it. It must come from libnvinfer's own
// folder with the same version suffix (a parser of another release has other interfaces).
const ParserLibrary& parserLibrary();

// libnvinfer dlopens libnvinfer_builder_resource.so.<version> by bare name when a build starts
// (NVIDIA/TensorRT#2218), which fails when TensorRT was found only through TENSORRT_LIB_DIR.
// Preloads it from libnvinfer's folder; "" when building can work, else why it cannot.
std::string prepareBuilderResources();

}  // namespace yoloe::trt
