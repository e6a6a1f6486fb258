// Sections of yoloe_cuda_tests (see test_cuda_main.cpp).
#pragma once

#include <string>

namespace yoloe_test {

void runLaunchPathTests();   // launchers + fake driver + host-run kernels vs CPU twins, fallbacks
void runKernelCacheTests();  // cache folder, keys, atomic writes, damaged files
// The kernel source through the real NVRTC for every architecture it supports in sm_72..sm_120;
// returns false when no NVRTC was found.
bool runNvrtcCompileTests();
// queryCuda() through the real loader must report `expected` (ctest provides a fake libcuda.so.1).
void runDriverStateTest(const std::string& expected);

}  // namespace yoloe_test
