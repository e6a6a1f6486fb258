#include "tensorrt_binding_values.h"

#if defined(YOLOE_WITH_TENSORRT)

#include <cmath>
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

template <typename Array, typename T>
Napi::Value typedCopy(Napi::Env env, const std::vector<T>& values) {
  Array array = Array::New(env, values.size());
  if (!values.empty()) std::memcpy(array.Data(), values.data(), values.size() * sizeof(T));
  return array;
}

Napi::Value compactedHead(Napi::Env env, const CompactedHead& head, bool withCoefficients) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("output", head.output);
  out.Set("anchors", static_cast<double>(head.anchors));
  Napi::Array counts = Napi::Array::New(env, head.counts.size());
  for (size_t i = 0; i < head.counts.size(); ++i) counts.Set(static_cast<uint32_t>(i), head.counts[i]);
  out.Set("counts", counts);
  out.Set("boxes", typedCopy<Napi::Float32Array>(env, head.boxes));
  out.Set("classIds", typedCopy<Napi::Int32Array>(env, head.classIds));
  out.Set("indices", typedCopy<Napi::Int32Array>(env, head.indices));
  if (withCoefficients) out.Set("coefficients", typedCopy<Napi::Float32Array>(env, head.coefficients));
  return out;
}

Napi::Array outputList(Napi::Env env, const std::vector<HostOutput>& outputs) {
  Napi::Array out = Napi::Array::New(env, outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) out.Set(static_cast<uint32_t>(i), outputTensor(env, outputs[i]));
  return out;
}

class InferJob : public Job {
 public:
  InferJob(std::shared_ptr<Engine> engine, std::vector<HostInput> inputs) : engine_(std::move(engine)), inputs_(std::move(inputs)) {}
  InferJob(std::shared_ptr<Engine> engine, ImageBatch batch) : engine_(std::move(engine)), batch_(std::move(batch)), images_(true) {}
  void execute() override {
    if (images_) run_ = engine_->inferImages(batch_);
    else run_.outputs = engine_->infer(inputs_);
  }
  Napi::Value result(Napi::Env env) override {
    if (!images_) return outputList(env, run_.outputs);
    Napi::Object out = Napi::Object::New(env);
    out.Set("outputs", outputList(env, run_.outputs));
    if (run_.compacted) out.Set("compacted", compactedHead(env, run_.head, batch_.request.nm > 0));
    return out;
  }

 private:
  std::shared_ptr<Engine> engine_;
  std::vector<HostInput> inputs_;
  ImageBatch batch_;
  bool images_ = false;
  ImageRun run_;
};

// The lib/types.ts dtype a typed array carries (Uint16Array = fp16 bits, Uint8Array = uint8 / bool).
std::string dtypeOf(const Napi::TypedArray& array) {
  switch (array.TypedArrayType()) {
    case napi_float32_array: return "float32";
    case napi_uint16_array: return "float16";
    case napi_int8_array: return "int8";
    case napi_uint8_array: return "uint8";
    case napi_int32_array: return "int32";
    case napi_bigint64_array: return "int64";
    default: return "";
  }
}

// [{ name, dims, data }] -> HostInputs (the arrays pinned for the job); dtype of each in `dtypes`.
std::vector<HostInput> readInputTensors(Napi::Env env, Napi::Value value, const std::string& what, std::vector<Napi::Value>& pins,
                                        std::vector<std::string>* dtypes) {
  if (!value.IsArray()) throwCoded(env, kErrInvalidOption, "Expected an array of input tensors for " + what + " but received " + describe(value));
  Napi::Array list = value.As<Napi::Array>();
  std::vector<HostInput> inputs;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string item = what + "[" + std::to_string(i) + "]";
    Napi::Object entry = readObject(env, list.Get(i), item);
    HostInput input;
    input.name = readString(env, entry, "name", "", true);
    input.dims = readDims(env, entry.Get("dims"), item + ".dims", 0);
    Napi::Value data = entry.Get("data");
    if (!data.IsTypedArray()) throwCoded(env, kErrInvalidOption, "Expected a typed array for " + item + ".data but received " + describe(data));
    Napi::TypedArray array = data.As<Napi::TypedArray>();
    input.data = dataOf<uint8_t>(array);
    input.bytes = array.ByteLength();
    if (dtypes != nullptr) dtypes->push_back(dtypeOf(array));
    inputs.push_back(std::move(input));
    pins.push_back(array);
  }
  return inputs;
}

// The engine's other inputs of inferImages: known names, not the image input, the engine's dtype.
void checkOtherInputs(Napi::Env env, const Engine& engine, const std::string& imageInput, const std::vector<HostInput>& inputs,
                      const std::vector<std::string>& dtypes) {
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorDescription* match = nullptr;
    for (const auto& tensor : engine.tensors()) {
      if (tensor.isInput && tensor.name == inputs[i].name) match = &tensor;
    }
    const std::string what = "inputs[" + std::to_string(i) + "]";
    if (match == nullptr) throwCoded(env, kErrShape, "The engine has no input named '" + inputs[i].name + "' (" + what + ")");
    if (match->name == imageInput) {
      throwCoded(env, kErrInvalidOption, "Expected the engine's other inputs for " + what + " but received the image input '" + imageInput + "'");
    }
    if (match->dtype != dtypes[i] && !(match->dtype == "bool" && dtypes[i] == "uint8")) {
      throwCoded(env, kErrShape, "Input '" + match->name + "' must be " + match->dtype + ", got " +
                                     (dtypes[i].empty() ? std::string("an unsupported typed array") : dtypes[i]));
    }
  }
}

int64_t compactInteger(Napi::Env env, Napi::Object object, const char* key, int64_t min, int64_t max, bool required, int64_t dflt) {
  Napi::Value value = object.Get(key);
  if (value.IsUndefined() && !required) return dflt;
  const double number = value.IsNumber() ? value.As<Napi::Number>().DoubleValue() : -1e300;
  if (!value.IsNumber() || !std::isfinite(number) || number != std::floor(number) || number < static_cast<double>(min) ||
      number > static_cast<double>(max)) {
    throwCoded(env, kErrInvalidOption, "Expected an integer between " + std::to_string(min) + " and " + std::to_string(max) +
                                           " for compact." + key + " but received " + describe(value));
  }
  return static_cast<int64_t>(number);
}

// Most candidate slots per image one request may ask for (28 bytes each on the device).
constexpr int64_t kMaxCompactCapacity = int64_t{1} << 22;

CompactRequest readCompactRequest(Napi::Env env, Napi::Value value) {
  Napi::Object object = readObject(env, value, "compact");
  CompactRequest r;
  Napi::Value output = object.Get("output");
  if (!output.IsString() || output.As<Napi::String>().Utf8Value().empty()) {
    throwCoded(env, kErrInvalidOption, "Expected a non-empty output name for compact.output but received " + describe(output));
  }
  r.output = output.As<Napi::String>().Utf8Value();
  r.nc = static_cast<int>(compactInteger(env, object, "nc", 1, 1 << 20, true, 0));
  r.nm = static_cast<int>(compactInteger(env, object, "nm", 0, 4096, true, 0));
  r.capacity = static_cast<int>(compactInteger(env, object, "capacity", 1, kMaxCompactCapacity, true, 0));
  Napi::Value conf = object.Get("conf");
  if (!conf.IsNumber() || !std::isfinite(conf.As<Napi::Number>().DoubleValue())) {
    throwCoded(env, kErrInvalidOption, "Expected a finite number for compact.conf but received " + describe(conf));
  }
  r.conf = conf.As<Napi::Number>().DoubleValue();
  Napi::Value multi = object.Get("multiLabel");
  if (!multi.IsBoolean()) throwCoded(env, kErrInvalidOption, "Expected a boolean for compact.multiLabel but received " + describe(multi));
  r.multiLabel = multi.As<Napi::Boolean>().Value();
  Napi::Value classes = object.Get("classes");
  if (!classes.IsUndefined()) {
    if (!classes.IsArray()) throwCoded(env, kErrInvalidOption, "Expected an array of class ids for compact.classes but received " + describe(classes));
    Napi::Array list = classes.As<Napi::Array>();
    r.filtered = true;
    for (uint32_t i = 0; i < list.Length(); ++i) {
      Napi::Value item = list.Get(i);
      const double id = item.IsNumber() ? item.As<Napi::Number>().DoubleValue() : -1;
      if (!item.IsNumber() || id != std::floor(id) || id < 0 || id >= r.nc) {
        throwCoded(env, kErrInvalidOption, "Expected class ids between 0 and " + std::to_string(r.nc - 1) +
                                               " for compact.classes but received " + describe(item));
      }
      r.classes.push_back(static_cast<int>(id));
    }
  }
  return r;
}

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
    std::vector<Napi::Value> pins;
    std::vector<HostInput> inputs = readInputTensors(env, info[1], "inputs", pins, nullptr);
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(inputs));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}

// inferImages(handle, { images: [{ data, width, height, stride?, newWidth, newHeight, left, top }],
//   inputWidth, inputHeight, padValue?, imageInput?, inputs?, compact? }) -> Promise<{ outputs, compacted? }>
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
    batch.imageInput = readString(env, request, "imageInput", "", false);
    if (!request.Get("inputs").IsUndefined()) {
      std::vector<std::string> dtypes;
      batch.inputs = readInputTensors(env, request.Get("inputs"), "inputs", pins, &dtypes);
      // Unnamed, the image input is the engine's only one (Engine::inferImages refuses the rest).
      std::string imageInput = batch.imageInput;
      size_t engineInputs = 0;
      for (const auto& tensor : engine->tensors()) {
        if (tensor.isInput && engineInputs++ == 0 && batch.imageInput.empty()) imageInput = tensor.name;
      }
      if (batch.imageInput.empty() && engineInputs != 1) imageInput.clear();
      checkOtherInputs(env, *engine, imageInput, batch.inputs, dtypes);
    }
    if (!request.Get("compact").IsUndefined()) {
      batch.compact = true;
      batch.request = readCompactRequest(env, request.Get("compact"));
    }
    auto job = std::make_unique<InferJob>(std::move(engine), std::move(batch));
    for (auto& pin : pins) job->pin(pin);
    return runJob(env, std::move(job), true);
  });
}


}  // namespace addon
}  // namespace yoloe

#endif  // YOLOE_WITH_TENSORRT
