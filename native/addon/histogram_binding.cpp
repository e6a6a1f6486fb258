// histogram(job) (+ Async): adds |values| to `counts` (Float64Array, one element per bin) over
// [0, range]; returns { count, nan, clipped, maxAbs } for these values. Used by calibration.
#include <memory>

#include "args.h"
#include "bindings.h"
#include "core/histogram.h"

namespace yoloe {
namespace addon {

namespace {

class HistogramJob : public Job {
 public:
  const float* values = nullptr;
  size_t n = 0;
  double* counts = nullptr;
  int bins = 0;
  double range = 1;
  HistogramStats stats;

  void execute() override { stats = accumulateAbsHistogram(values, n, range, counts, bins); }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("count", stats.count);
    o.Set("nan", stats.nan);
    o.Set("clipped", stats.clipped);
    o.Set("maxAbs", stats.maxAbs);
    return o;
  }
};

std::unique_ptr<Job> parse(const Napi::CallbackInfo& info) {
  JobReader r(info, "histogram job");
  auto job = std::make_unique<HistogramJob>();
  Napi::TypedArray values = r.typedArray("values", napi_float32_array, "Float32Array");
  Napi::TypedArray counts = r.typedArray("counts", napi_float64_array, "Float64Array");
  if (lengthOf(counts) < 1 || lengthOf(counts) > (1u << 24)) r.shape("counts must hold 1 to 16777216 bins");
  job->range = r.number("range", 1e-30, 1e30);
  job->values = dataOf<float>(values);
  job->n = static_cast<size_t>(lengthOf(values));
  job->counts = dataOf<double>(counts);
  job->bins = static_cast<int>(lengthOf(counts));
  job->pin(values), job->pin(counts);
  return job;
}

}  // namespace

void RegisterHistogram(Napi::Env env, Napi::Object exports) { registerPair(env, exports, "histogram", parse); }

}  // namespace addon
}  // namespace yoloe
