// The one exception type of native/core: a message plus a stable code from lib/errors.ts
// ('ERR_SHAPE', 'ERR_INVALID_OPTION', ...), which the addon turns into a JS error's `code`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

namespace yoloe {

class Error : public std::runtime_error {
 public:
  Error(const char* code, const std::string& message) : std::runtime_error(message), code_(code) {}
  const char* code() const noexcept { return code_; }

 private:
  const char* code_;  // always a string literal
};

// Overflow-checked size arithmetic: every product of sizes that came from JavaScript goes
// through these, so a huge width never wraps into a small allocation.
inline uint64_t checkedMul(uint64_t a, uint64_t b, const char* what) {
  if (a != 0 && b > std::numeric_limits<uint64_t>::max() / a) {
    throw Error("ERR_SHAPE", std::string(what) + " overflows 64 bits");
  }
  return a * b;
}

inline uint64_t checkedMul(uint64_t a, uint64_t b, uint64_t c, const char* what) {
  return checkedMul(checkedMul(a, b, what), c, what);
}

inline uint64_t checkedAdd(uint64_t a, uint64_t b, const char* what) {
  if (b > std::numeric_limits<uint64_t>::max() - a) throw Error("ERR_SHAPE", std::string(what) + " overflows 64 bits");
  return a + b;
}

}  // namespace yoloe
