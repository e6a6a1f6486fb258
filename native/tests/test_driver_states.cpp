// The real driver loader (driver_api.cpp) against the stand-in libcuda.so.1 of fake_libcuda.cpp:
// each ctest runs this with another fake driver and names the state queryCuda() must report.
#include <cstdio>
#include <string>

#include "cuda/driver_api.h"
#include "cuda/runtime.h"
#include "cuda_tests.h"
#include "harness.h"

namespace yoloe_test {

using namespace yoloe::cuda;

namespace {
bool has(const std::string& text, const char* part) { return text.find(part) != std::string::npos; }
}  // namespace

void runDriverStateTest(const std::string& expected) {
  const CudaReport r = queryCuda();
  std::printf("state %s, driver %d, %zu devices, error: %s\n", r.state.c_str(), r.driverVersion, r.devices.size(), r.error.c_str());
  CHECK(r.state == expected, "state %s, expected %s", r.state.c_str(), expected.c_str());
  if (expected == "ok") {
    CHECK(r.driverVersion == 12060 && r.devices.size() == 1 && r.error.empty(), "one device, driver 12060");
    if (r.devices.size() == 1) {
      const DeviceInfo& d = r.devices[0];
      CHECK(d.name == "Fake Jetson Orin" && d.major == 8 && d.minor == 7 && d.integrated && d.memoryBytes == (uint64_t(16) << 30),
            "the device as the driver describes it (%s %d.%d)", d.name.c_str(), d.major, d.minor);
    }
    CHECK(driverApi().cuLaunchKernel != nullptr && driverApi().cuCtxGetDevice != nullptr, "the whole table is resolved");
  } else if (expected == "driver-too-old") {
    CHECK(r.devices.empty() && driverApi().cuInit == nullptr, "a driver too old leaves the table empty");
    CHECK(has(r.error, "driver too old for this build (needs >= CUDA 11.4"), "the message says what is needed: %s", r.error.c_str());
    CHECK(r.driverVersion == 11030 ? has(r.error, "supports CUDA 11.3") : has(r.error, "cuGraphInstantiateWithFlags"),
          "and what this driver is or lacks: %s", r.error.c_str());
  } else if (expected == "no-device") {
    CHECK(r.devices.empty() && has(r.error, "CUDA_ERROR_NO_DEVICE"), "cuInit's error is reported: %s", r.error.c_str());
  }
}

}  // namespace yoloe_test
