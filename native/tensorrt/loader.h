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
  std::string path;
  LibraryVersion version;
  int32_t versionCode = 0;  // getInferLibVersion()
  nvinfer1::IBuilder* createBuilder(nvinfer1::ILogger& logger) const;
  nvinfer1::IRuntime* createRuntime(nvinfer1::ILogger& logger) const;

  void* createBuilderFn = nullptr;
  void* createRuntimeFn = nullptr;
};

struct ParserLibrary {
  std::string path;
  nvonnxparser::IParser* createParser(nvinfer1::INetworkDefinition& network, nvinfer1::ILogger& logger) const;

  void* createParserFn = nullptr;
};

// Loaded once per process, thread-safe; a failed search is retried on the next call (so setting
// TENSORRT_LIB_DIR and retrying works). Throws BackendError(ERR_BACKEND_UNAVAILABLE) naming
// every path tried, or a library whose major differs from the headers'.
const InferLibrary& inferLibrary();
// Only builds need the ONNX parser; engines run without it.
const ParserLibrary& parserLibrary();

}  // namespace yoloe::trt
