// The fake libnvonnxparser of the TensorRT contract double: forwards to the fake libnvinfer,
// which owns the network type (fake_nvinfer.cpp).
#include <NvOnnxParser.h>

extern "C" void* yoloe_fake_create_parser(void* network, void* logger);

extern "C" TENSORRTAPI void* createNvOnnxParser_INTERNAL(void* network, void* logger, int) noexcept {
  return yoloe_fake_create_parser(network, logger);
}
