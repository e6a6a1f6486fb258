#include "precision_pins.h"

#include <NvInfer.h>

#include <map>
#include <set>
#include <vector>

namespace yoloe::trt {

#if NV_TENSORRT_MAJOR < 11

namespace {

using nvinfer1::DataType;
using nvinfer1::ILayer;
using nvinfer1::ITensor;
using nvinfer1::LayerType;

// Tensor -> the layer that writes it and the layers that read it.
struct Graph {
  std::map<const ITensor*, int32_t> producer;
  std::map<const ITensor*, std::vector<int32_t>> consumers;
};

Graph graphOf(nvinfer1::INetworkDefinition& network) {
  Graph graph;
  for (int32_t l = 0; l < network.getNbLayers(); ++l) {
    ILayer* layer = network.getLayer(l);
    for (int32_t i = 0; i < layer->getNbInputs(); ++i) {
      if (const ITensor* t = layer->getInput(i)) graph.consumers[t].push_back(l);
    }
    for (int32_t o = 0; o < layer->getNbOutputs(); ++o) {
      if (const ITensor* t = layer->getOutput(o)) graph.producer[t] = l;
    }
  }
  return graph;
}

ITensor* findTensor(nvinfer1::INetworkDefinition& network, const std::string& name, bool input) {
  const int32_t count = input ? network.getNbInputs() : network.getNbOutputs();
  for (int32_t i = 0; i < count; ++i) {
    ITensor* t = input ? network.getInput(i) : network.getOutput(i);
    if (t != nullptr && name == t->getName()) return t;
  }
  return nullptr;
}

// The layers reached from `start` along the graph: forward (readers of each tensor, then their
// outputs) or backward (the writer of each tensor, then its inputs).
std::set<int32_t> reachable(nvinfer1::INetworkDefinition& network, const Graph& graph, const ITensor* start, bool forward) {
  std::set<int32_t> seen;
  std::vector<const ITensor*> work{start};
  while (!work.empty()) {
    const ITensor* t = work.back();
    work.pop_back();
    std::vector<int32_t> next;
    if (forward) {
      auto it = graph.consumers.find(t);
      if (it != graph.consumers.end()) next = it->second;
    } else {
      auto it = graph.producer.find(t);
      if (it != graph.producer.end()) next.push_back(it->second);
    }
    for (int32_t l : next) {
      if (!seen.insert(l).second) continue;
      ILayer* layer = network.getLayer(l);
      const int32_t count = forward ? layer->getNbOutputs() : layer->getNbInputs();
      for (int32_t i = 0; i < count; ++i) {
        if (ITensor* tensor = forward ? layer->getOutput(i) : layer->getInput(i)) work.push_back(tensor);
      }
    }
  }
  return seen;
}

// TensorRT: shape operations compute in INT32/INT64 and reject other output types; casts and
// Q/DQ define their own types; constants compute nothing. Only float compute is pinned.
bool pinnable(ILayer& layer) {
  switch (layer.getType()) {
    case LayerType::kSHAPE:
    case LayerType::kCONSTANT:
    case LayerType::kCAST:
    case LayerType::kQUANTIZE:
    case LayerType::kDEQUANTIZE:
    case LayerType::kASSERTION:
      return false;
    default:
      break;
  }
  if (layer.getNbOutputs() == 0) return false;
  for (int32_t o = 0; o < layer.getNbOutputs(); ++o) {
    ITensor* t = layer.getOutput(o);
    if (t == nullptr || t->isShapeTensor()) return false;
    if (t->getType() != DataType::kFLOAT && t->getType() != DataType::kHALF) return false;
  }
  return true;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // per-layer precision: deprecated in 10.x, gone in 11
void pin(ILayer& layer) {
  layer.setPrecision(DataType::kHALF);
  for (int32_t o = 0; o < layer.getNbOutputs(); ++o) {
    // A network output's binding type is the tensor's (ITensor::setType), not the layer's: the
    // I/O tensors keep the types the ONNX declares.
    if (!layer.getOutput(o)->isNetworkOutput()) layer.setOutputType(o, DataType::kHALF);
  }
}
#pragma GCC diagnostic pop

}  // namespace

Fp16PinReport pinFp16Layers(nvinfer1::INetworkDefinition& network, const Fp16Pins& pins) {
  Fp16PinReport report;
  report.requested = true;
  const ITensor* embeddings = findTensor(network, pins.embeddingsInput, true);
  if (embeddings == nullptr) {
    report.note = "the network has no input '" + pins.embeddingsInput + "'";
    return report;
  }
  const Graph graph = graphOf(network);
  const std::set<int32_t> contrastive = reachable(network, graph, embeddings, true);
  std::set<int32_t> proto;
  const ITensor* protos = pins.protoOutput.empty() ? nullptr : findTensor(network, pins.protoOutput, false);
  const ITensor* detections = pins.detectionOutput.empty() ? nullptr : findTensor(network, pins.detectionOutput, false);
  if (protos != nullptr) {
    proto = reachable(network, graph, protos, false);
    if (detections != nullptr) {
      for (int32_t l : reachable(network, graph, detections, false)) proto.erase(l);
    }
  }
  for (int32_t l = 0; l < network.getNbLayers(); ++l) {
    const bool a = contrastive.count(l) != 0;
    const bool b = !a && proto.count(l) != 0;
    if (!a && !b) continue;
    ILayer& layer = *network.getLayer(l);
    if (!pinnable(layer)) {
      ++report.skipped;
      continue;
    }
    pin(layer);
    ++(a ? report.embeddingLayers : report.protoLayers);
  }
  return report;
}

#else

Fp16PinReport pinFp16Layers(nvinfer1::INetworkDefinition&, const Fp16Pins&) {
  Fp16PinReport report;
  report.requested = true;
  report.note = "TensorRT 11 networks are strongly typed: precisions come from the ONNX";
  return report;
}

#endif

}  // namespace yoloe::trt
