#include "loader_paths.h"

#include <cstdlib>
#include <sstream>

namespace yoloe::trt {

namespace {

void appendUnique(std::vector<std::string>& list, const std::string& value) {
  if (value.empty()) return;
  for (const auto& existing : list) {
    if (existing == value) return;
  }
  list.push_back(value);
}

std::string withoutTrailingSlash(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

}  // namespace

SearchEnvironment currentSearchEnvironment() {
  SearchEnvironment env;
  if (const char* dir = std::getenv("TENSORRT_LIB_DIR")) env.tensorrtLibDir = dir;
  if (const char* path = std::getenv("LD_LIBRARY_PATH")) env.ldLibraryPath = path;
  return env;
}

std::vector<std::string> standardLibraryDirs() {
  return {
#if defined(__aarch64__)
      "/usr/lib/aarch64-linux-gnu",
      "/usr/lib/aarch64-linux-gnu/nvidia",
      "/usr/local/cuda/targets/aarch64-linux/lib",
#else
      "/usr/lib/x86_64-linux-gnu",
      "/usr/local/cuda/targets/x86_64-linux/lib",
#endif
      "/usr/local/tensorrt/lib",
      "/opt/tensorrt/lib",
      "/usr/local/cuda/lib64",
      "/usr/lib64",
      "/usr/lib",
  };
}

std::vector<std::string> librarySearchDirs(const SearchEnvironment& env) {
  std::vector<std::string> dirs;
  appendUnique(dirs, withoutTrailingSlash(env.tensorrtLibDir));
  std::stringstream entries(env.ldLibraryPath);
  std::string entry;
  while (std::getline(entries, entry, ':')) appendUnique(dirs, withoutTrailingSlash(entry));
  for (const auto& dir : standardLibraryDirs()) appendUnique(dirs, dir);
  return dirs;
}

std::vector<std::string> libraryFileNames(const std::string& stem, const std::vector<int>& majors) {
  std::vector<std::string> names;
  for (int major : majors) appendUnique(names, stem + ".so." + std::to_string(major));
  appendUnique(names, stem + ".so");
  return names;
}

std::vector<std::string> libraryCandidates(const std::string& stem, const std::vector<int>& majors,
                                           const SearchEnvironment& env) {
  const auto names = libraryFileNames(stem, majors);
  std::vector<std::string> candidates;
  for (const auto& dir : librarySearchDirs(env)) {
    for (const auto& name : names) appendUnique(candidates, dir + "/" + name);
  }
  for (const auto& name : names) appendUnique(candidates, name);
  return candidates;
}

LibraryVersion decodeTensorRtVersion(int32_t encoded) {
  LibraryVersion version;
  if (encoded <= 0) return version;
  // 10.0.0 encodes as 100000; 8.6.1 (old scheme) as 8601.
  const int32_t majorUnit = encoded >= 100000 ? 10000 : 1000;
  version.major = encoded / majorUnit;
  version.minor = (encoded % majorUnit) / 100;
  version.patch = encoded % 100;
  return version;
}

std::string formatVersion(const LibraryVersion& version) {
  return std::to_string(version.major) + "." + std::to_string(version.minor) + "." + std::to_string(version.patch);
}

std::string notFoundMessage(const std::string& stem, const std::vector<int>& majors,
                            const std::vector<LoadAttempt>& attempts) {
  std::string majorList;
  for (size_t i = 0; i < majors.size(); ++i) majorList += (i ? " or " : "") + std::to_string(majors[i]);
  std::ostringstream text;
  text << "TensorRT library " << stem << " (major " << majorList << ") not found. Tried:";
  for (const auto& attempt : attempts) text << "\n  " << attempt.path << ": " << attempt.error;
  text << "\nInstall TensorRT " << majorList << " (or JetPack on Jetson) or set TENSORRT_LIB_DIR to the folder holding "
       << stem << ".so." << (majors.empty() ? 0 : majors.front()) << ".";
  return text.str();
}

std::vector<int> acceptedMajors(int headerMajor) {
  if (headerMajor > 0) return {headerMajor};
  return {10, 11};
}

}  // namespace yoloe::trt
