#include "tensorrt_binding_values.h"

#if defined(YOLOE_WITH_TENSORRT)

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "job.h"
#include "tensorrt/errors.h"
#include "tensorrt_engine_handle.h"

namespace yoloe {
namespace addon {

using namespace yoloe::trt;

namespace {

Napi::Value outputTensor(Napi::Env env, const HostOutput& output) {
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(env, output.data.size());
  if (!output.data.empty()) std::memcpy(buffer.Data(), output.data.data(), output.data.size());
  Napi::Value data;
  const size_t bytes = output.data.size();
  if (output.dtype == "float32") data = Napi::Float32Array::New(env, bytes / 4, buffer, 0);
  else if (output.dtype == "float16") data = Napi::Uint16Array::New(env, bytes / 2, buffer, 0);
  else if (output.dtype == "int8") data = Napi::Int8Array::New(env, bytes, buffer, 0);
  else if (output.dtype == "int32") data = Napi::Int32Array::New(env, bytes / 4, buffer, 0);
  else if (output.dtype == "int64") data = Napi::BigInt64Array::New(env, bytes / 8, buffer, 0);
  else data = Napi::Uint8Array::New(env, bytes, buffer, 0);
  Napi::Object out = Napi::Object::New(env);
  out.Set("name", output.name);
  out.Set("dtype", output.dtype);
  out.Set("dims", numberArray(env, output.dims));
  out.Set("data", data);
  return out;
}

class InferJob : public Job {
 public:
  InferJob(std::shared_ptr<Engine> engine, std::vector<HostInput> inputs) : engine_(std::move(engine)), inputs_(std::move(inputs)) {}
  InferJob(std::shared_ptr<Engine> engine, ImageBatch batch) : engine_(std::move(engine)), batch_(std::move(batch)), images_(true) {}
  void execute() override { outputs_ = images_ ? engine_->inferImages(batch_) : engine_->infer(inputs_); }
  Napi::Value result(Napi::Env env) override {
    Napi::Array out = Napi::Array::New(env, outputs_.size());
    for (size_t i = 0; i < outputs_.size(); ++i) out.Set(static_cast<uint32_t>(i), outputTensor(env, outputs_[i]));
    return out;
  }

 private:
  std::shared_ptr<Engine> engine_;
  std::vector<HostInput> inputs_;
  ImageBatch batch_;
  bool images_ = false;
  std::vector<HostOutput> outputs_;
};


}  // namespace

// infer(handle, [{ name, dims, data }]) -> Promise<[{ name, dtype, dims, data }]>
Napi::Value Infer(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<Engine> engine = engineArg(info);
    if (info.Length() < 2 || !info[1].IsArray()) {
      throwCoded(env, kErrInvalidOption, "Expected an array of input tensors but received " +
                                             describe(info.Length() > 1 ? info[1] : env.Undefined()));
    }
    Napi::Array list = info[1].As<Napi::Array>();
    std::vector<HostInput> inputs;
    std::vector<Napi::Value> pins;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      const std::string what = "inputs[" + std::to_string(i) + "]";
      Napi::Object entry = readObject(env, list.Get(i), what);
      HostInput input;
      input.name = readString(env, entry, "name", "", true);
      input.dims = readDims(env, entry.Get("dims"), what + ".dims", 0);
      Napi::Value data = entry.Get("data");
      if (!data.IsTypedArray()) throwCoded(env, kErrInvalidOption, "Expected a typed array for " + what + ".data but received " + describe(data));
      Napi::TypedArray array = data.As<Napi::TypedArray>();
      input.data = dataOf<uint8_t>(array);
      input.bytes = array.ByteLength();
      inputs.push_back(std::move(input));
      pins.push_back(array);
    }
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(inputs));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}

// inferImages(handle, { images: [{ data, width, height, stride?, newWidth, newHeight, left, top }],
//   inputWidth, inputHeight, padValue? }) -> Promise<outputs>
Napi::Value InferImages(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&]() -> Napi::Value {
    Napi::Env env = info.Env();
    std::shared_ptr<Engine> engine = engineArg(info);
    Napi::Object request = readObject(env, info.Length() > 1 ? info[1] : env.Undefined(), "image batch");
    ImageBatch batch;
    batch.inputWidth = static_cast<int>(readInteger(env, request, "inputWidth", 1, 16384, 0));
    batch.inputHeight = static_cast<int>(readInteger(env, request, "inputHeight", 1, 16384, 0));
    batch.padValue = static_cast<int>(readInteger(env, request, "padValue", 0, 255, 114));
    Napi::Value images = request.Get("images");
    if (!images.IsArray() || images.As<Napi::Array>().Length() == 0) {
      throwCoded(env, kErrInvalidOption, "Expected a non-empty array for images but received " + describe(images));
    }
    std::vector<Napi::Value> pins;
    Napi::Array list = images.As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Object entry = readObject(env, list.Get(i), "images[" + std::to_string(i) + "]");
      ImageInput image;
      image.width = static_cast<int>(readInteger(env, entry, "width", 1, 65535, 0));
      image.height = static_cast<int>(readInteger(env, entry, "height", 1, 65535, 0));
      image.strideBytes = static_cast<int>(readInteger(env, entry, "stride", image.width * 3, 65535 * 4, image.width * 3));
      image.newWidth = static_cast<int>(readInteger(env, entry, "newWidth", 1, 16384, 0));
      image.newHeight = static_cast<int>(readInteger(env, entry, "newHeight", 1, 16384, 0));
      image.left = static_cast<int>(readInteger(env, entry, "left", 0, 16384, 0));
      image.top = static_cast<int>(readInteger(env, entry, "top", 0, 16384, 0));
      Napi::Value data = entry.Get("data");
      if (!data.IsTypedArray()) throwCoded(env, kErrInvalidOption, "Expected a Uint8Array for images[].data but received " + describe(data));
      Napi::TypedArray array = data.As<Napi::TypedArray>();
      const uint64_t needed = static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height - 1) +
                              static_cast<uint64_t>(image.width) * 3;
      if (array.ByteLength() < needed) {
        throwCoded(env, kErrShape, "images[" + std::to_string(i) + "].data has " + std::to_string(array.ByteLength()) +
                                       " bytes, a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                                       " RGB image needs " + std::to_string(needed));
      }
      // The GPU path copies stride * height bytes: a short last row must still be readable.
      if (array.ByteLength() < static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height)) {
        image.strideBytes = image.width * 3;
        if (array.ByteLength() < static_cast<uint64_t>(image.strideBytes) * static_cast<uint64_t>(image.height)) {
          throwCoded(env, kErrShape, "images[" + std::to_string(i) + "].data is shorter than stride * height");
        }
      }
      image.data = dataOf<uint8_t>(array);
      batch.images.push_back(image);
      pins.push_back(array);
    }
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(batch));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}


}  // namespace addon
}  // namespace yoloe

#endif  // YOLOE_WITH_TENSORRT
