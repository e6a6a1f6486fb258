// The generated kernel source (the text NVRTC compiles) built as host C++ for tests: a launch
// runs every block and thread of the grid in turn, reading its arguments from cuLaunchKernel's
// parameter array through the kernels' own signatures, so a wrong argument packing in the
// launchers shows up as wrong results. No GPU involved.
#pragma once

#include <string>

#include "cuda/launch.h"

namespace yoloe_test {

// false when no kernel has that name.
bool hasEmulatedKernel(const std::string& name);
// Runs the whole grid; returns false (and runs nothing) for an unknown name. `reversed` runs the
// blocks and threads last to first: a GPU gives no order, so code that relies on one shows up.
bool emulateLaunch(const std::string& name, const yoloe::cuda::LaunchShape& shape, void** params, bool reversed = false);

}  // namespace yoloe_test
