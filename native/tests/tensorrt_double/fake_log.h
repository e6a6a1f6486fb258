// The TensorRT contract double's call log, shared by the fake libnvinfer / libnvonnxparser /
// libcuda. Lines go to the file named by YOLOE_FAKE_LOG (appended and flushed at once, so a test
// reads them even after a crash), one event per line:
//   CALL <what>        a modelled call
//   VIOLATION <what>   a documented TensorRT / CUDA rule was broken
//   UNIMPLEMENTED <m>  a call the double does not model
// Behaviour is steered by YOLOE_FAKE_FAIL (read at each call, so a test can change it between
// calls): comma-separated names such as runtime, builder, parser, deserialize, context@2.
#pragma once

#include <cstdlib>
#include <string>

namespace yoloe_fake {

void record(const std::string& kind, const std::string& what);
inline void call(const std::string& what) { record("CALL", what); }
inline void violation(const std::string& what) { record("VIOLATION", what); }
inline void unimplemented(const char* what) { record("UNIMPLEMENTED", what); }
[[noreturn]] inline void fatal(const char* what) {
  record("VIOLATION", std::string("fatal: ") + what);
  std::abort();
}
template <class T>
T zero() {
  return T{};
}
// True when YOLOE_FAKE_FAIL names `what` (or "what@N" and this is the N-th time it is asked since
// YOLOE_FAKE_FAIL took its current value).
bool failing(const std::string& what);
// A setting from YOLOE_FAKE_<NAME>, or `fallback`.
std::string setting(const char* name, const std::string& fallback);

}  // namespace yoloe_fake
