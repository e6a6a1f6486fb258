// letterbox(job) / letterboxAsync(job): one image, uint8 RGB HWC -> letterboxed canvas
// ('uint8' HWC) or normalised CHW planes ('float32', 'float16' bits), written at `offset` of
// `out` when given (a batch tensor), else into a new typed array.
#include <memory>

#include "args.h"
#include "bindings.h"
#include "core/error.h"
#include "core/letterbox.h"

namespace yoloe {
namespace addon {

namespace {

constexpr int64_t kMaxSide = 1 << 16;

class LetterboxJob : public Job {
 public:
  const uint8_t* src = nullptr;
  int srcW = 0, srcH = 0;
  int64_t stride = 0;
  LetterboxParams p;
  LetterboxOutput kind = LetterboxOutput::F32_CHW;
  Napi::Reference<Napi::Value> out;
  void* dst = nullptr;

  void execute() override { letterbox(src, srcW, srcH, stride, p, kind, dst); }
  Napi::Value result(Napi::Env) override { return out.Value(); }
};

std::unique_ptr<Job> parse(const Napi::CallbackInfo& info) {
  JobReader r(info, "letterbox job");
  auto job = std::make_unique<LetterboxJob>();
  Napi::TypedArray src = r.typedArrayOf("src", {napi_uint8_array, napi_uint8_clamped_array}, "Uint8Array of RGB pixels");
  job->srcW = static_cast<int>(r.integer("width", 1, kMaxSide));
  job->srcH = static_cast<int>(r.integer("height", 1, kMaxSide));
  job->stride = r.integer("stride", job->srcW * 3, INT32_MAX, job->srcW * 3);
  const uint64_t need = checkedAdd(checkedMul(static_cast<uint64_t>(job->srcH - 1), static_cast<uint64_t>(job->stride), "source size"),
                                   static_cast<uint64_t>(job->srcW) * 3, "source size");
  if (lengthOf(src) < need) {
    r.shape("src holds " + std::to_string(lengthOf(src)) + " bytes, a " + std::to_string(job->srcW) + "x" + std::to_string(job->srcH) +
            " RGB image with rows " + std::to_string(job->stride) + " bytes apart needs " + std::to_string(need));
  }
  job->src = dataOf<uint8_t>(src);
  job->pin(src);
  LetterboxParams& p = job->p;
  p.dstW = static_cast<int>(r.integer("dstWidth", 1, kMaxSide));
  p.dstH = static_cast<int>(r.integer("dstHeight", 1, kMaxSide));
  p.newW = static_cast<int>(r.integer("newWidth", 1, kMaxSide));
  p.newH = static_cast<int>(r.integer("newHeight", 1, kMaxSide));
  p.left = static_cast<int>(r.integer("left", 0, kMaxSide));
  p.top = static_cast<int>(r.integer("top", 0, kMaxSide));
  p.padValue = static_cast<int>(r.integer("padValue", 0, 255, 114));
  validateLetterbox(job->srcW, job->srcH, job->stride, p);

  const std::string output = r.oneOf("output", {"float32", "float16", "uint8"}, "float32");
  const uint64_t count = checkedMul(3, static_cast<uint64_t>(p.dstW), static_cast<uint64_t>(p.dstH), "output size");
  napi_typedarray_type type = napi_float32_array;
  const char* typeName = "Float32Array";
  if (output == "float16") job->kind = LetterboxOutput::F16_CHW, type = napi_uint16_array, typeName = "Uint16Array (fp16 bits)";
  if (output == "uint8") job->kind = LetterboxOutput::U8_HWC, type = napi_uint8_array, typeName = "Uint8Array";
  Napi::TypedArray out;
  uint64_t offset = 0;
  if (r.has("out")) {
    out = r.typedArray("out", type, typeName);
    offset = static_cast<uint64_t>(r.integer("offset", 0, (int64_t(1) << 53) - 1, 0));
    if (lengthOf(out) < checkedAdd(offset, count, "output size")) {
      r.shape("out holds " + std::to_string(lengthOf(out)) + " elements, " + std::to_string(count) + " are needed at offset " + std::to_string(offset));
    }
  } else {
    Napi::Env env = r.env();
    if (type == napi_float32_array) out = Napi::Float32Array::New(env, count);
    else if (type == napi_uint16_array) out = Napi::Uint16Array::New(env, count);
    else out = Napi::Uint8Array::New(env, count);
  }
  const size_t elem = type == napi_float32_array ? 4 : (type == napi_uint16_array ? 2 : 1);
  job->dst = dataOf<uint8_t>(out) + offset * elem;
  job->out = Napi::Persistent(static_cast<Napi::Value>(out));
  return job;
}

}  // namespace

void RegisterLetterbox(Napi::Env env, Napi::Object exports) { registerPair(env, exports, "letterbox", parse); }

}  // namespace addon
}  // namespace yoloe
