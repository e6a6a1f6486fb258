// NVRTC (the CUDA run-time compiler) loaded at run time: libnvrtc.so.<major> is searched, never
// linked, so the addon loads without it and the GPU stages fall back to the CPU kernels.
// Tests install a library of their own (installNvrtcForTesting).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

struct _nvrtcProgram;

namespace yoloe::cuda {

using nvrtcResult = int;  // NVRTC_SUCCESS == 0
using nvrtcProgram = _nvrtcProgram*;

struct NvrtcApi {
  const char* (*nvrtcGetErrorString)(nvrtcResult result);
  nvrtcResult (*nvrtcVersion)(int* major, int* minor);
  nvrtcResult (*nvrtcGetNumSupportedArchs)(int* count);
  nvrtcResult (*nvrtcGetSupportedArchs)(int* archs);
  nvrtcResult (*nvrtcCreateProgram)(nvrtcProgram* prog, const char* src, const char* name, int numHeaders,
                                    const char* const* headers, const char* const* includeNames);
  nvrtcResult (*nvrtcDestroyProgram)(nvrtcProgram* prog);
  nvrtcResult (*nvrtcCompileProgram)(nvrtcProgram prog, int numOptions, const char* const* options);
  nvrtcResult (*nvrtcGetProgramLogSize)(nvrtcProgram prog, size_t* size);
  nvrtcResult (*nvrtcGetProgramLog)(nvrtcProgram prog, char* log);
  nvrtcResult (*nvrtcGetPTXSize)(nvrtcProgram prog, size_t* size);
  nvrtcResult (*nvrtcGetPTX)(nvrtcProgram prog, char* ptx);
  nvrtcResult (*nvrtcGetCUBINSize)(nvrtcProgram prog, size_t* size);
  nvrtcResult (*nvrtcGetCUBIN)(nvrtcProgram prog, char* cubin);
};

struct NvrtcLibrary {
  const NvrtcApi* api = nullptr;  // null: not found (see error)
  std::string path;               // what was loaded ("" for a test table)
  int major = 0, minor = 0;
  std::vector<int> archs;         // SM architectures it can compile for, ascending (75, 80, ...)
  std::string error;              // why it is absent, naming every place searched
};

// Where libnvrtc is looked for, in order: $YOLOE_TRT_NVRTC (a file, or a folder holding
// libnvrtc.so.*), then libnvrtc.so.<major> by the loader's own search (LD_LIBRARY_PATH,
// ldconfig), in the CUDA toolkit folders and in the folders of NVIDIA's pip wheel
// (nvidia-cuda-nvrtc: $VIRTUAL_ENV, ~/.local, the system's site-packages), newest major first
// but none newer than the driver's CUDA major (driverMajor 0 = no limit): a newer NVRTC's cubins
// may not load on it.
std::vector<std::string> nvrtcCandidates(int driverMajor);

// The process-wide NVRTC, searched once (the installed test table wins).
const NvrtcLibrary& nvrtcLibrary();

// Tests: replace the library for the whole process (nullptr restores the real search); a
// library with a null api stands for "not installed". The caller keeps it alive.
void installNvrtcForTesting(const NvrtcLibrary* library);

}  // namespace yoloe::cuda
