#include "job.h"

#include <string>

#include "core/error.h"
#include "errors.h"

namespace yoloe {
namespace addon {

namespace {

class JobWorker : public Napi::AsyncWorker {
 public:
  JobWorker(Napi::Env env, std::unique_ptr<Job> job)
      : Napi::AsyncWorker(env, "yoloe-trt:native-job"), job_(std::move(job)), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      job_->execute();
    } catch (const Error& e) {
      code_ = e.code();
      SetError(e.what());
    } catch (const std::bad_alloc&) {
      SetError("out of memory in the native addon");
    } catch (const std::exception& e) {
      SetError(std::string("native addon failure: ") + e.what());
    } catch (...) {
      SetError("unknown native addon failure");
    }
  }

  void OnOK() override {
    Napi::Env env = Env();
    try {
      deferred_.Resolve(job_->result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (const Error& e) {
      deferred_.Reject(codedError(env, e.code(), e.what()).Value());
    } catch (const std::exception& e) {
      deferred_.Reject(codedError(env, "ERR_NATIVE", e.what()).Value());
    }
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(codedError(Env(), code_, e.Message()).Value()); }

 private:
  std::unique_ptr<Job> job_;
  Napi::Promise::Deferred deferred_;
  const char* code_ = "ERR_NATIVE";
};

}  // namespace

Napi::Value runJob(Napi::Env env, std::unique_ptr<Job> job, bool async) {
  if (!async) {
    job->execute();  // exceptions reach the binding's guard
    return job->result(env);
  }
  auto* worker = new JobWorker(env, std::move(job));  // deletes itself when done
  Napi::Promise p = worker->promise();
  worker->Queue();
  return p;
}

}  // namespace addon
}  // namespace yoloe
