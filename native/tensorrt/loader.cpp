#include "loader.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>
#include <dirent.h>
#include <dlfcn.h>

#include <memory>
#include <mutex>

#include "errors.h"
#include "library_open.h"
#include "logger.h"

namespace yoloe::trt {

namespace {

using GetVersionFn = int32_t (*)();
using CreateInferFn = void* (*)(void*, int32_t);
using CreateParserFn = void* (*)(void*, void*, int);

std::mutex gLoadMutex;
std::unique_ptr<InferLibrary> gInfer;
std::unique_ptr<ParserLibrary> gParser;
std::string gBuilderResources;  // "" once preloaded
bool gBuilderResourcesTried = false;
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

std::string folderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

// "libnvinfer.so.10.3.0" -> ".so.10.3.0"
std::string soSuffix(const std::string& path) {
  const size_t at = path.rfind(".so");
  return at == std::string::npos ? "" : path.substr(at);
}

}  // namespace

int headerMajor() { return NV_TENSORRT_MAJOR; }

std::string headerVersion() {
  return std::to_string(NV_TENSORRT_MAJOR) + "." + std::to_string(NV_TENSORRT_MINOR) + "." +
         std::to_string(NV_TENSORRT_PATCH);
}

std::string refuseLibraryVersion(const LibraryVersion& version) {
  // Interfaces are vtables: a library of another major has other layouts, so calling it would
  // crash rather than fail. Within a major, a library older than the headers lacks the virtual
  // methods they declare at the end of each interface: calling one of them is undefined.
  if (version.major != NV_TENSORRT_MAJOR) {
    return "version " + formatVersion(version) + " does not match the headers this addon was built with (" + headerVersion() +
           ")";
  }
  if (version.minor < NV_TENSORRT_MINOR) {
    return "version " + formatVersion(version) + " is older than the headers this addon was built with (" + headerVersion() +
           "): install TensorRT " + headerVersion() + " or newer, or rebuild the addon against this TensorRT's headers";
  }
  return "";
}

nvinfer1::IBuilder* InferLibrary::createBuilder() const {
  auto create = reinterpret_cast<CreateInferFn>(createBuilderFn);
  return static_cast<nvinfer1::IBuilder*>(create(&processLogger(), NV_TENSORRT_VERSION));
}

nvinfer1::IRuntime* InferLibrary::createRuntime() const {
  auto create = reinterpret_cast<CreateInferFn>(createRuntimeFn);
  return static_cast<nvinfer1::IRuntime*>(create(&processLogger(), NV_TENSORRT_VERSION));
}

nvonnxparser::IParser* ParserLibrary::createParser(nvinfer1::INetworkDefinition& network) const {
  auto create = reinterpret_cast<CreateParserFn>(createParserFn);
  return static_cast<nvonnxparser::IParser*>(create(&network, &processLogger(), NV_ONNX_PARSER_VERSION));
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
    LibraryVersion version = decodeTensorRtVersion(code);
    if (auto build = reinterpret_cast<GetVersionFn>(candidate.symbol("getInferLibBuildVersion"))) version.build = build();
    std::string refusal = refuseLibraryVersion(version);
    if (!refusal.empty()) return refusal;
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
  library->realPath = opened.library->realPath();
  gInferHandle = std::move(opened.library);
  gInfer = std::move(library);
  return *gInfer;
}

const ParserLibrary& parserLibrary() {
  const InferLibrary& infer = inferLibrary();  // the parser needs libnvinfer's symbols resolved first
  std::lock_guard<std::mutex> lock(gLoadMutex);
  if (gParser) return *gParser;
  const std::vector<int> majors = {NV_TENSORRT_MAJOR};
  const std::string folder = folderOf(infer.realPath.empty() ? infer.path : infer.realPath);
  const std::string wantedSuffix = soSuffix(infer.realPath);
  auto library = std::make_unique<ParserLibrary>();
  auto accept = [&](SharedLibrary& candidate) -> std::string {
    std::string missing = missingSymbols(candidate, {"createNvOnnxParser_INTERNAL"});
    if (!missing.empty()) return missing;
    const std::string real = candidate.realPath();
    if (!wantedSuffix.empty() && soSuffix(real) != wantedSuffix) {
      return "resolves to " + real + ", not the " + wantedSuffix + " release of " + infer.realPath;
    }
    library->createParserFn = candidate.symbol("createNvOnnxParser_INTERNAL");
    return "";
  };
  // Only libnvinfer's own folder: a parser found elsewhere belongs to another install.
  std::vector<std::string> candidates;
  for (const std::string& name : libraryFileNames("libnvonnxparser", majors)) candidates.push_back(folder + "/" + name);
  OpenResult opened = openFirstAccepted(candidates, accept);
  if (!opened.library) {
    throw BackendError(kErrUnavailable, notFoundMessage("libnvonnxparser", majors, opened.attempts) +
                                            "\n(the ONNX parser must be installed next to " + infer.realPath + ")");
  }
  opened.library->keepLoaded();
  library->path = opened.library->path();
  gParserHandle = std::move(opened.library);
  gParser = std::move(library);
  return *gParser;
}

std::string prepareBuilderResources() {
  const InferLibrary& infer = inferLibrary();
  std::lock_guard<std::mutex> lock(gLoadMutex);
  if (gBuilderResourcesTried && gBuilderResources.empty()) return "";
  gBuilderResourcesTried = true;
  const std::string version = formatVersion(infer.version);
  const std::string bare = "libnvinfer_builder_resource.so." + version;
  const std::string folder = folderOf(infer.realPath.empty() ? infer.path : infer.realPath);
  // Every resource library of this release in libnvinfer's folder (newer releases split them per
  // GPU architecture); RTLD_GLOBAL is not needed: a later dlopen by bare name matches the SONAME.
  bool main = false;
  if (DIR* dir = opendir(folder.c_str())) {
    while (dirent* entry = readdir(dir)) {
      const std::string name = entry->d_name;
      if (name.rfind("libnvinfer_builder_resource", 0) != 0 || soSuffix(name) != ".so." + version) continue;
      if (dlopen((folder + "/" + name).c_str(), RTLD_NOW | RTLD_LOCAL) != nullptr && name == bare) main = true;
    }
    closedir(dir);
  }
  if (!main && dlopen(bare.c_str(), RTLD_NOW | RTLD_LOCAL) == nullptr) {
    gBuilderResources = bare + " was found neither next to " + (infer.realPath.empty() ? infer.path : infer.realPath) +
                        " nor by the system linker: TensorRT can run engines here but cannot build them (install the "
                        "full TensorRT package, or put " + bare + " into " + folder + ")";
    return gBuilderResources;
  }
  gBuilderResources.clear();
  return "";
}

LoadedLibraries loadInferLibrary() {
  const InferLibrary& library = inferLibrary();
  LoadedLibraries info;
  info.inferPath = library.path;
  info.inferVersion = formatVersion(library.version);
  info.build = library.version.build;
  info.versionCode = library.versionCode;
  return info;
}

std::string builderUnavailableReason() { return prepareBuilderResources(); }

}  // namespace yoloe::trt
