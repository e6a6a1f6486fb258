// scanCandidates(job) / nms(job) (+ Async): the raw-head candidate scan and greedy NMS twins of
// lib/decode/candidates.ts and lib/decode/nms.ts.
#include <cstring>
#include <memory>

#include "args.h"
#include "bindings.h"
#include "core/candidates.h"
#include "core/error.h"
#include "core/nms.h"

namespace yoloe {
namespace addon {

namespace {

constexpr int64_t kMaxInt = INT32_MAX;

template <typename ArrayT, typename T>
ArrayT copyOut(Napi::Env env, const std::vector<T>& v) {
  ArrayT a = ArrayT::New(env, v.size());
  if (!v.empty()) std::memcpy(a.Data(), v.data(), v.size() * sizeof(T));
  return a;
}

class ScanJob : public Job {
 public:
  const float* f32 = nullptr;
  const uint16_t* f16 = nullptr;
  HeadShape shape;
  ScanOptions opts;
  CandidateList out;

  void execute() override { out = f32 ? scanRawHead(f32, shape, opts) : scanRawHead(f16, shape, opts); }
  Napi::Value result(Napi::Env env) override {
    Napi::Object o = Napi::Object::New(env);
    o.Set("boxes", copyOut<Napi::Float32Array>(env, out.boxes));
    o.Set("scores", copyOut<Napi::Float32Array>(env, out.scores));
    o.Set("classIds", copyOut<Napi::Int32Array>(env, out.classIds));
    o.Set("indices", copyOut<Napi::Int32Array>(env, out.indices));
    return o;
  }
};

std::unique_ptr<Job> parseScan(const Napi::CallbackInfo& info) {
  JobReader r(info, "scanCandidates job");
  auto job = std::make_unique<ScanJob>();
  Napi::TypedArray head = r.typedArrayOf("head", {napi_float32_array, napi_uint16_array}, "Float32Array or Uint16Array (fp16 bits)");
  HeadShape& s = job->shape;
  s.nc = static_cast<int>(r.integer("nc", 1, kMaxInt));
  s.channels = static_cast<int>(r.integer("channels", 4 + static_cast<int64_t>(s.nc), kMaxInt));
  s.anchors = static_cast<int>(r.integer("anchors", 0, kMaxInt));
  s.transposed = r.boolean("transposed", false);
  const uint64_t perImage = checkedMul(static_cast<uint64_t>(s.channels), static_cast<uint64_t>(s.anchors), "head size");
  const uint64_t batchIndex = static_cast<uint64_t>(r.integer("batchIndex", 0, kMaxInt, 0));
  const uint64_t end = checkedMul(batchIndex + 1, perImage, "head size");
  if (lengthOf(head) < end) {
    r.shape("head holds " + std::to_string(lengthOf(head)) + " elements, image " + std::to_string(batchIndex) + " of [" +
            std::to_string(s.channels) + ", " + std::to_string(s.anchors) + "] needs " + std::to_string(end));
  }
  if (head.TypedArrayType() == napi_float32_array) job->f32 = dataOf<float>(head) + batchIndex * perImage;
  else job->f16 = dataOf<uint16_t>(head) + batchIndex * perImage;
  job->pin(head);
  ScanOptions& o = job->opts;
  o.conf = r.number("conf", 0, 1, 0.25);
  o.multiLabel = r.boolean("multiLabel", false);
  o.maxNms = r.integer("maxNms", 1, (int64_t(1) << 53) - 1, 30000);
  if (r.has("classes") && !r.object().Get("classes").IsNull()) {
    o.filterClasses = true;
    o.allowed.assign(static_cast<size_t>(s.nc), 0);
    for (int64_t c : r.integerList("classes", 0, kMaxInt))
      if (c < s.nc) o.allowed[static_cast<size_t>(c)] = 1;
  }
  return job;
}

class NmsJob : public Job {
 public:
  const float* boxes = nullptr;
  const float* scores = nullptr;
  const int32_t* classIds = nullptr;
  size_t n = 0;
  NmsOptions opts;
  std::vector<int32_t> kept;

  void execute() override { kept = nms(boxes, scores, classIds, n, opts); }
  Napi::Value result(Napi::Env env) override { return copyOut<Napi::Int32Array>(env, kept); }
};

std::unique_ptr<Job> parseNms(const Napi::CallbackInfo& info) {
  JobReader r(info, "nms job");
  auto job = std::make_unique<NmsJob>();
  Napi::TypedArray scores = r.typedArray("scores", napi_float32_array, "Float32Array");
  Napi::TypedArray boxes = r.typedArray("boxes", napi_float32_array, "Float32Array");
  Napi::TypedArray classIds = r.typedArray("classIds", napi_int32_array, "Int32Array");
  job->n = static_cast<size_t>(lengthOf(scores));
  if (job->n > static_cast<size_t>(kMaxInt)) r.shape("too many candidates");
  if (lengthOf(boxes) != 4 * static_cast<uint64_t>(job->n) || lengthOf(classIds) != job->n) {
    r.shape("boxes must hold 4 values and classIds 1 per score: " + std::to_string(lengthOf(boxes)) + " box values, " +
            std::to_string(lengthOf(classIds)) + " class ids, " + std::to_string(job->n) + " scores");
  }
  job->boxes = dataOf<float>(boxes);
  job->scores = dataOf<float>(scores);
  job->classIds = dataOf<int32_t>(classIds);
  job->pin(boxes), job->pin(scores), job->pin(classIds);
  job->opts.iou = r.number("iou", 0, 1, 0.7);
  job->opts.maxDet = r.integer("maxDet", 1, (int64_t(1) << 53) - 1, 300);
  job->opts.agnostic = r.boolean("agnostic", false);
  return job;
}

}  // namespace

void RegisterDecode(Napi::Env env, Napi::Object exports) {
  registerPair(env, exports, "scanCandidates", parseScan);
  registerPair(env, exports, "nms", parseNms);
}

}  // namespace addon
}  // namespace yoloe
