// Per-layer FP16 pins for implicit INT8 builds (TensorRT 10, builder flags): the layers that carry
// a run-time vocabulary's contrastive product and the proto branch of a segmentation head stay
// FP16, as INT8 there breaks small objects (ultralytics#25530).
#pragma once

#include <string>

#include "build_options.h"

namespace nvinfer1 {
class INetworkDefinition;
}

namespace yoloe::trt {

// Pins on `network` (parsed, weakly typed) every eligible layer that is (a) forward-reachable from
// the input `pins.embeddingsInput`, or (b) reaches `pins.protoOutput` but not `pins.detectionOutput`:
// setPrecision(kHALF), and setOutputType(i, kHALF) on outputs that are not network outputs.
// Eligible: not a shape/constant/cast/quantize layer, every output float and not a shape tensor.
// The caller sets kFP16 and kPREFER_PRECISION_CONSTRAINTS when anything was pinned.
Fp16PinReport pinFp16Layers(nvinfer1::INetworkDefinition& network, const Fp16Pins& pins);

}  // namespace yoloe::trt
