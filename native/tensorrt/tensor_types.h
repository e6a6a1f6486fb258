// TensorRT data types <-> the dtype names of lib/types.ts, and their sizes.
#pragma once

#include <NvInfer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace yoloe::trt {

// "" for types the runtime cannot hand to JavaScript (fp8, int4, ...).
std::string dtypeName(nvinfer1::DataType type);
// 0 for the types above.
size_t dtypeSize(nvinfer1::DataType type);

std::vector<int64_t> toVector(const nvinfer1::Dims& dims);
nvinfer1::Dims toDims(const std::vector<int64_t>& values);
// Product of the dims; throws BackendError(ERR_SHAPE) on a negative dim or overflow.
size_t elementCount(const std::vector<int64_t>& dims);

}  // namespace yoloe::trt
