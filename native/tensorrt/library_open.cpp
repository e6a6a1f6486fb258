#include "library_open.h"

#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

#include <climits>
#include <cstdint>
#include <cstdlib>

namespace yoloe::trt {

SharedLibrary::~SharedLibrary() {
  if (handle_ != nullptr && !keepLoaded_) dlclose(handle_);
}

void* SharedLibrary::symbol(const char* name) const { return dlsym(handle_, name); }

std::string SharedLibrary::realPath() const {
  struct link_map* map = nullptr;
  if (dlinfo(handle_, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr || map->l_name == nullptr) return "";
  char resolved[PATH_MAX];
  return realpath(map->l_name, resolved) != nullptr ? std::string(resolved) : std::string(map->l_name);
}

namespace {

bool isPath(const std::string& candidate) { return candidate.find('/') != std::string::npos; }

bool fileExists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

}  // namespace

OpenResult openFirstAccepted(const std::vector<std::string>& candidates, const LibraryAcceptor& accept) {
  OpenResult result;
  for (const auto& candidate : candidates) {
    // A missing file is the common case: say so plainly instead of dlerror's longer text.
    if (isPath(candidate) && !fileExists(candidate)) {
      result.attempts.push_back({candidate, "not present"});
      continue;
    }
    dlerror();
    void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* why = dlerror();
      result.attempts.push_back({candidate, why != nullptr ? why : "dlopen failed"});
      continue;
    }
    auto library = std::make_unique<SharedLibrary>(handle, candidate);
    std::string refusal = accept ? accept(*library) : std::string();
    if (!refusal.empty()) {
      result.attempts.push_back({candidate, refusal});
      continue;
    }
    result.library = std::move(library);
    return result;
  }
  return result;
}

InferLibraryProbe probeInferLibrary(const std::vector<int>& majors, const SearchEnvironment& env) {
  InferLibraryProbe probe;
  probe.searched = libraryCandidates("libnvinfer", majors, env);
  LibraryVersion found;
  auto acceptMajor = [&](SharedLibrary& library) -> std::string {
    using VersionFn = int32_t (*)();
    auto getVersion = reinterpret_cast<VersionFn>(library.symbol("getInferLibVersion"));
    if (getVersion == nullptr) return "no getInferLibVersion symbol (not a TensorRT library)";
    found = decodeTensorRtVersion(getVersion());
    for (int major : majors) {
      if (found.major == major) return "";
    }
    return "version " + formatVersion(found) + " is not a supported major";
  };
  OpenResult opened = openFirstAccepted(probe.searched, acceptMajor);
  if (opened.library) {
    probe.found = true;
    probe.path = opened.library->path();
    probe.version = found;
  } else {
    probe.error = notFoundMessage("libnvinfer", majors, opened.attempts);
  }
  return probe;
}

}  // namespace yoloe::trt
