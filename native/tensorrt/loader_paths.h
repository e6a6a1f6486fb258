// Where the TensorRT libraries are looked for, and how a failed search is reported.
// Header-free (no NvInfer.h): compiled into every build so `probe()` can report the search
// even from an addon built without TensorRT headers, and so CI can test it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace yoloe::trt {

// The inputs of the search, read from the environment (kept separate so tests can pass them).
struct SearchEnvironment {
  std::string tensorrtLibDir;  // TENSORRT_LIB_DIR: tried first
  std::string ldLibraryPath;   // LD_LIBRARY_PATH: its directories next, in order
};

SearchEnvironment currentSearchEnvironment();

// Standard install locations (Debian/Ubuntu packages, JetPack, tarball under /usr/local).
std::vector<std::string> standardLibraryDirs();

// TENSORRT_LIB_DIR, then LD_LIBRARY_PATH entries, then the standard dirs; duplicates and empty
// entries removed, order kept.
std::vector<std::string> librarySearchDirs(const SearchEnvironment& env);

// File names for one library stem ("libnvinfer"): the versioned name of each major
// ("libnvinfer.so.10"), then the unversioned development symlink ("libnvinfer.so").
std::vector<std::string> libraryFileNames(const std::string& stem, const std::vector<int>& majors);

// Every path the loader tries, in order: each directory joined with each file name, then the bare
// file names (resolved by the system linker: ld.so.cache, RUNPATH).
std::vector<std::string> libraryCandidates(const std::string& stem, const std::vector<int>& majors,
                                           const SearchEnvironment& env);

// TensorRT encodes its version as major*10000 + minor*100 + patch from 10.0 on (major*1000 +
// minor*100 + patch before).
struct LibraryVersion {
  int major = 0;
  int minor = 0;
  int patch = 0;
  int build = -1;  // getInferLibBuildVersion(), -1 when unknown
};
LibraryVersion decodeTensorRtVersion(int32_t encoded);
std::string formatVersion(const LibraryVersion& version);

// One try of the search and why it failed ("not present", dlerror text, version refusal).
struct LoadAttempt {
  std::string path;
  std::string error;
};

// "TensorRT library libnvinfer (major 10) not found. Tried:\n  <path>: <why>\n...
//  Install TensorRT 10 or set TENSORRT_LIB_DIR to the folder holding libnvinfer.so.10."
std::string notFoundMessage(const std::string& stem, const std::vector<int>& majors,
                            const std::vector<LoadAttempt>& attempts);

// The majors this build accepts: the one of the headers it was compiled against, or every
// supported major when built without headers (probe only).
std::vector<int> acceptedMajors(int headerMajor);

}  // namespace yoloe::trt
