// assembleMasks(job) (+ Async): compact instance masks over the original image, the twin of
// lib/decode/masks.ts assembleMasksCompact. Result: regions (x0, y0, x1, y1 per detection) and
// one Uint8Array holding every mask's rectangle, one after the other.
#include <cmath>
#include <cstring>
#include <memory>

#include "args.h"
#include "bindings.h"
#include "core/error.h"
#include "core/masks.h"

namespace yoloe {
namespace addon {

namespace {

constexpr int64_t kMaxSide = 1 << 16;

class MasksJob : public Job {
 public:
  const float* protos = nullptr;
  const float* coeffs = nullptr;
  const float* boxes = nullptr;
  size_t n = 0;
  MaskProtoShape shape;
  MaskGeometry geometry;
  bool retina = false;
  PackedMasks masks;

  void execute() override { masks = assembleMasksPacked(protos, shape, coeffs, boxes, n, geometry, retina); }
  Napi::Value result(Napi::Env env) override {
    Napi::Int32Array regions = Napi::Int32Array::New(env, masks.regions.size());
    if (!masks.regions.empty()) std::memcpy(regions.Data(), masks.regions.data(), masks.regions.size() * sizeof(int32_t));
    Napi::Object o = Napi::Object::New(env);
    o.Set("regions", regions);
    o.Set("data", maskBytes(env));
    return o;
  }

 private:
  // A copy into V8's memory: handing the native buffer over as an external ArrayBuffer was
  // measured slower (its release waits for a GC, so the allocator keeps mapping fresh pages).
  Napi::Uint8Array maskBytes(Napi::Env env) {
    Napi::Uint8Array data = Napi::Uint8Array::New(env, masks.size);
    if (masks.size > 0) std::memcpy(data.Data(), masks.data.get(), masks.size);
    return data;
  }
};

std::unique_ptr<Job> parse(const Napi::CallbackInfo& info) {
  JobReader r(info, "assembleMasks job");
  auto job = std::make_unique<MasksJob>();
  MaskProtoShape& s = job->shape;
  s.nm = static_cast<int>(r.integer("nm", 1, 4096));
  s.ph = static_cast<int>(r.integer("ph", 1, kMaxSide));
  s.pw = static_cast<int>(r.integer("pw", 1, kMaxSide));
  Napi::TypedArray protos = r.typedArray("protos", napi_float32_array, "Float32Array");
  Napi::TypedArray coeffs = r.typedArray("coeffs", napi_float32_array, "Float32Array");
  Napi::TypedArray boxes = r.typedArray("boxes", napi_float32_array, "Float32Array");
  const uint64_t plane = checkedMul(static_cast<uint64_t>(s.nm), static_cast<uint64_t>(s.ph), static_cast<uint64_t>(s.pw), "protos size");
  const uint64_t protoOffset = static_cast<uint64_t>(r.integer("protoOffset", 0, (int64_t(1) << 53) - 1, 0));
  if (lengthOf(protos) < checkedAdd(protoOffset, plane, "protos size")) {
    r.shape("protos holds " + std::to_string(lengthOf(protos)) + " elements, [" + std::to_string(s.nm) + ", " + std::to_string(s.ph) + ", " +
            std::to_string(s.pw) + "] at offset " + std::to_string(protoOffset) + " needs " + std::to_string(protoOffset + plane));
  }
  if (lengthOf(boxes) % 4 != 0) r.shape("boxes must hold 4 values per detection");
  job->n = static_cast<size_t>(lengthOf(boxes) / 4);
  if (lengthOf(coeffs) != checkedMul(job->n, static_cast<uint64_t>(s.nm), "coeffs size")) {
    r.shape("coeffs holds " + std::to_string(lengthOf(coeffs)) + " values, " + std::to_string(job->n) + " detections x " + std::to_string(s.nm) +
            " coefficients expected");
  }
  Napi::Object g = r.child("geometry");
  auto gi = [&](const char* key) -> int {
    const Napi::Value v = g.Get(key);
    const double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= static_cast<double>(kMaxSide)) || static_cast<double>(static_cast<int64_t>(d)) != d) {
      r.invalid((std::string("geometry.") + key).c_str(), "an integer between 0 and 65536", v);
    }
    return static_cast<int>(d);
  };
  MaskGeometry& geo = job->geometry;
  geo.srcW = gi("srcWidth"), geo.srcH = gi("srcHeight"), geo.dstW = gi("dstWidth"), geo.dstH = gi("dstHeight");
  geo.left = gi("left"), geo.top = gi("top");
  const Napi::Value ratio = g.Get("ratio");
  if (!ratio.IsNumber() || !(ratio.As<Napi::Number>().DoubleValue() > 0) || !std::isfinite(ratio.As<Napi::Number>().DoubleValue())) {
    r.invalid("geometry.ratio", "a finite number > 0", ratio);
  }
  geo.ratio = ratio.As<Napi::Number>().DoubleValue();
  validateMasks(s, geo);
  job->retina = r.boolean("retina", false);
  job->protos = dataOf<float>(protos) + protoOffset;
  job->coeffs = dataOf<float>(coeffs);
  job->boxes = dataOf<float>(boxes);
  job->pin(protos), job->pin(coeffs), job->pin(boxes);
  return job;
}

}  // namespace

void RegisterMasks(Napi::Env env, Napi::Object exports) { registerPair(env, exports, "assembleMasks", parse); }

}  // namespace addon
}  // namespace yoloe
