#include "tensor_types.h"

#include <limits>

#include "errors.h"

namespace yoloe::trt {

std::string dtypeName(nvinfer1::DataType type) {
  switch (type) {
    case nvinfer1::DataType::kFLOAT:
      return "float32";
    case nvinfer1::DataType::kHALF:
      return "float16";
    case nvinfer1::DataType::kINT8:
      return "int8";
    case nvinfer1::DataType::kINT32:
      return "int32";
    case nvinfer1::DataType::kBOOL:
      return "bool";
    case nvinfer1::DataType::kUINT8:
      return "uint8";
    case nvinfer1::DataType::kINT64:
      return "int64";
    default:
      return "";
  }
}

size_t dtypeSize(nvinfer1::DataType type) {
  switch (type) {
    case nvinfer1::DataType::kFLOAT:
    case nvinfer1::DataType::kINT32:
      return 4;
    case nvinfer1::DataType::kHALF:
      return 2;
    case nvinfer1::DataType::kINT8:
    case nvinfer1::DataType::kBOOL:
    case nvinfer1::DataType::kUINT8:
      return 1;
    case nvinfer1::DataType::kINT64:
      return 8;
    default:
      return 0;
  }
}

std::vector<int64_t> toVector(const nvinfer1::Dims& dims) {
  std::vector<int64_t> values;
  for (int32_t i = 0; i < dims.nbDims && i < nvinfer1::Dims::MAX_DIMS; ++i) values.push_back(dims.d[i]);
  return values;
}

nvinfer1::Dims toDims(const std::vector<int64_t>& values) {
  if (values.size() > static_cast<size_t>(nvinfer1::Dims::MAX_DIMS)) {
    throw BackendError(kErrShape, "Tensor rank " + std::to_string(values.size()) + " exceeds TensorRT's maximum of 8");
  }
  nvinfer1::Dims dims{};
  dims.nbDims = static_cast<int32_t>(values.size());
  for (size_t i = 0; i < values.size(); ++i) dims.d[i] = values[i];
  return dims;
}

size_t elementCount(const std::vector<int64_t>& dims) {
  size_t count = 1;
  for (int64_t dim : dims) {
    if (dim < 0) throw BackendError(kErrShape, "Tensor shape has an unresolved dynamic dimension");
    if (dim != 0 && count > std::numeric_limits<size_t>::max() / static_cast<size_t>(dim)) {
      throw BackendError(kErrShape, "Tensor shape overflows");
    }
    count *= static_cast<size_t>(dim);
  }
  return count;
}

}  // namespace yoloe::trt
