// A tiny test harness: CHECK counts failures and prints where; no third-party framework.
#pragma once

#include <cstdint>
#include <cstdio>

namespace yoloe_test {

extern int failures;
extern int checks;

// Deterministic xorshift64* so runs are reproducible.
struct Rng {
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed ? seed : 1) {}
  uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 2685821657736338717ULL;
  }
  int uniformInt(int lo, int hi) { return lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)); }  // [lo, hi]
  float uniform(float lo, float hi) { return lo + (hi - lo) * static_cast<float>(next() >> 40) / static_cast<float>(1 << 24); }
};

// Sections return how many comparisons they could not run (GPU parts without a GPU).
int runCpuTwinTests();
// > 0: GPU comparisons not run; 0: all run.
int runGpuKernelTests();

}  // namespace yoloe_test

#define CHECK(cond, ...)                                             \
  do {                                                               \
    ++yoloe_test::checks;                                            \
    if (!(cond)) {                                                   \
      ++yoloe_test::failures;                                        \
      std::fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
      std::fprintf(stderr, __VA_ARGS__);                             \
      std::fprintf(stderr, "\n");                                    \
    }                                                                \
  } while (0)
