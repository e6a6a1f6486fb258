// JS errors with a stable `code` (one of lib/errors.ts YoloeTrtErrorCode), and the guard every
// binding runs in so that no C++ exception ever escapes into Node.
#pragma once

#include <napi.h>

#include <exception>
#include <string>

#include "core/error.h"

namespace yoloe {
namespace addon {

// A Napi::Error carrying `code` (and `yoloeNative: true` so the TS side knows where it came from).
Napi::Error codedError(Napi::Env env, const char* code, const std::string& message);

[[noreturn]] void throwCoded(Napi::Env env, const char* code, const std::string& message);

// Runs `body`; a yoloe::Error becomes a coded JS error, any other C++ exception ERR_NATIVE.
template <typename Body>
Napi::Value guarded(Napi::Env env, Body body) {
  try {
    return body();
  } catch (const Napi::Error&) {
    throw;  // already a JS error (node-addon-api rethrows it into JavaScript)
  } catch (const Error& e) {
    throw codedError(env, e.code(), e.what());
  } catch (const std::bad_alloc&) {
    throw codedError(env, "ERR_NATIVE", "out of memory in the native addon");
  } catch (const std::exception& e) {
    throw codedError(env, "ERR_NATIVE", std::string("native addon failure: ") + e.what());
  } catch (...) {
    throw codedError(env, "ERR_NATIVE", "unknown native addon failure");
  }
}

}  // namespace addon
}  // namespace yoloe
