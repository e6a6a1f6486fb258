// One native job: parsed and validated on the JS thread, executed either right there (the sync
// binding) or on the libuv thread pool (the async binding, which returns a promise). execute()
// touches no N-API value: it reads raw pointers into typed arrays that `keepAlive` pins until
// the job is done.
#pragma once

#include <napi.h>

#include <memory>
#include <vector>

namespace yoloe {
namespace addon {

class Job {
 public:
  virtual ~Job() = default;
  virtual void execute() = 0;                          // any thread; throws yoloe::Error on failure
  virtual Napi::Value result(Napi::Env env) = 0;       // JS thread
  void pin(const Napi::Value& v) { keepAlive_.push_back(Napi::Persistent(v)); }

 private:
  std::vector<Napi::Reference<Napi::Value>> keepAlive_;
};

// Sync: execute now and return the result. Async: a promise settled with the result or with a
// coded error; concurrent jobs are independent (no shared mutable state in native/core).
Napi::Value runJob(Napi::Env env, std::unique_ptr<Job> job, bool async);

}  // namespace addon
}  // namespace yoloe
