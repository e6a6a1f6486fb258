#include "loader.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <memory>
#include <mutex>

#include "errors.h"
#include "library_open.h"

namespace yoloe::trt {

namespace {

using GetVersionFn = int32_t (*)();
using CreateInferFn = void* (*)(void*, int32_t);
using CreateParserFn = void* (*)(void*, void*, int);

std::mutex gLoadMutex;
std::unique_ptr<InferLibrary> gInfer;
std::unique_ptr<ParserLibrary> gParser;
// The opened handles, kept mapped for the life of the process.
std::unique_ptr<SharedLibrary> gInferHandle;
std::unique_ptr<SharedLibrary> gParserHandle;

std::string missingSymbols(SharedLibrary& library, std::initializer_list<const char*> names) {
  std::string missing;
  for (const char* name : names) {
    if (library.symbol(name) == nullptr) missing += (missing.empty() ? "" : ", ") + std::string(name);
  }
  return missing.empty() ? "" : "missing symbol(s) " + missing;
}

}  // namespace

int headerMajor() { return NV_TENSORRT_MAJOR; }

std::string headerVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH);
}

nvinfer1::IBuilder* InferLibrary::createBuilder(nvinfer1::ILogger& logger) const {
  auto create = reinterpret_cast<CreateInferFn>(createBuilderFn);
  return static_cast<nvinfer1::IBuilder*>(create(&logger, NV_TENSORRT_VERSION));
}

nvinfer1::IRuntime* InferLibrary::createRuntime(nvinfer1::ILogger& logger) const {
  auto create = reinterpret_cast<CreateInferFn>(createRuntimeFn);
  return static_cast<nvinfer1::IRuntime*>(create(&logger, NV_TENSORRT_VERSION));
}

nvonnxparser::IParser* ParserLibrary::createParser(nvinfer1::INetworkDefinition& network,
                                                   nvinfer1::ILogger& logger) const {
  auto create = reinterpret_cast<CreateParserFn>(createParserFn);
  return static_cast<nvonnxparser::IParser*>(create(&network, &logger, NV_ONNX_PARSER_VERSION));
}

const InferLibrary& inferLibrary() {
  std::lock_guard<std::mutex> lock(gLoadMutex);
  if (gInfer) return *gInfer;
  const std::vector<int> majors = {NV_TENSORRT_MAJOR};
  auto library = std::make_unique<InferLibrary>();
  auto accept = [&](SharedLibrary& candidate) -> std::string {
    std::string missing = missingSymbols(
        candidate, {"getInferLibVersion", "createInferBuilder_INTERNAL", "createInferRuntime_INTERNAL"});
    if (!missing.empty()) return missing;
    const int32_t code = reinterpret_cast<GetVersionFn>(candidate.symbol("getInferLibVersion"))();
    const LibraryVersion version = decodeTensorRtVersion(code);
    // Interfaces are vtables: a library of another major has other layouts, so calling it would
    // crash rather than fail.
    if (version.major != NV_TENSORRT_MAJOR) {
      return "version " + formatVersion(version) + " does not match the headers this addon was built with (" +
             headerVersion() + ")";
    }
    library->version = version;
    library->versionCode = code;
    library->createBuilderFn = candidate.symbol("createInferBuilder_INTERNAL");
    library->createRuntimeFn = candidate.symbol("createInferRuntime_INTERNAL");
    return "";
  };
  OpenResult opened = openFirstAccepted(libraryCandidates("libnvinfer", majors, currentSearchEnvironment()), accept);
  if (!opened.library) throw BackendError(kErrUnavailable, notFoundMessage("libnvinfer", majors, opened.attempts));
  opened.library->keepLoaded();
  library->path = opened.library->path();
  gInferHandle = std::move(opened.library);
  gInfer = std::move(library);
  return *gInfer;
}

const ParserLibrary& parserLibrary() {
  inferLibrary();  // the parser needs libnvinfer's symbols resolved first
  std::lock_guard<std::mutex> lock(gLoadMutex);
  if (gParser) return *gParser;
  const std::vector<int> majors = {NV_TENSORRT_MAJOR};
  auto library = std::make_unique<ParserLibrary>();
  auto accept = [&](SharedLibrary& candidate) -> std::string {
    std::string missing = missingSymbols(candidate, {"createNvOnnxParser_INTERNAL"});
    if (!missing.empty()) return missing;
    library->createParserFn = candidate.symbol("createNvOnnxParser_INTERNAL");
    return "";
  };
  OpenResult opened =
      openFirstAccepted(libraryCandidates("libnvonnxparser", majors, currentSearchEnvironment()), accept);
  if (!opened.library) {
    throw BackendError(kErrUnavailable, notFoundMessage("libnvonnxparser", majors, opened.attempts));
  }
  opened.library->keepLoaded();
  library->path = opened.library->path();
  gParserHandle = std::move(opened.library);
  gParser = std::move(library);
  return *gParser;
}

}  // namespace yoloe::trt

namespace yoloe::trt {

LoadedLibraries loadInferLibrary() {
  const InferLibrary& library = inferLibrary();
  LoadedLibraries info;
  info.inferPath = library.path;
  info.inferVersion = formatVersion(library.version);
  info.versionCode = library.versionCode;
  return info;
}

}  // namespace yoloe::trt
