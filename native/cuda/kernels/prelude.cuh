// First part of the kernel source that NVRTC compiles: NVRTC has no C or C++ standard headers,
// so the few fixed-width types the shared headers use are declared here (CUDA's LP64 / LLP64
// sizes: long long is 64-bit on every host NVRTC runs on). Host builds of the same source
// (tests) include <cstdint> and <cmath> instead.
#if defined(__CUDACC_RTC__)
typedef signed char int8_t;
typedef unsigned char uint8_t;
typedef short int16_t;
typedef unsigned short uint16_t;
typedef int int32_t;
typedef unsigned int uint32_t;
typedef long long int64_t;
typedef unsigned long long uint64_t;
namespace std {
using ::int32_t;
using ::int64_t;
using ::uint16_t;
using ::uint32_t;
using ::uint64_t;
using ::uint8_t;
}  // namespace std
#endif
