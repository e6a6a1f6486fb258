#include "builder.h"

#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <memory>

#include "calibrator.h"
#include "cuda_check.h"
#include "errors.h"
#include "file_io.h"
#include "gpu_info.h"
#include "loader.h"
#include "logger.h"
#include "precision_pins.h"
#include "library_info.h"
#include "progress_monitor.h"
#include "tensor_types.h"

namespace yoloe::trt {

namespace {

std::string dimsText(const nvinfer1::Dims& dims) {
  std::string text = "[";
  for (int32_t i = 0; i < dims.nbDims; ++i) text += (i ? ", " : "") + std::to_string(dims.d[i]);
  return text + "]";
}

std::string dimsText(const std::vector<int64_t>& dims) {
  std::string text = "[";
  for (size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

bool isDynamic(const nvinfer1::Dims& dims) {
  for (int32_t i = 0; i < dims.nbDims; ++i) {
    if (dims.d[i] < 0) return true;
  }
  return false;
}

// The range given for an input: by name, or an unnamed range for the first input (YOLO has one).
const InputShapeRange* rangeFor(const BuildOptions& options, const std::string& name, int32_t index) {
  for (const auto& range : options.shapes) {
    if (range.input == name || (range.input.empty() && index == 0)) return &range;
  }
  return nullptr;
}

// min <= opt <= max per dim, ranks equal to the network's, static dims respected.
void checkRange(const InputShapeRange& range, const std::string& name, const nvinfer1::Dims& networkDims) {
  auto fail = [&](const std::string& why) {
    return BackendError(kErrInvalidOption, "shapes for input '" + name + "' " + why + " (network input " +
                                               dimsText(networkDims) + ")");
  };
  const size_t rank = static_cast<size_t>(networkDims.nbDims);
  if (range.min.size() != rank || range.opt.size() != rank || range.max.size() != rank) {
    throw fail("must have rank " + std::to_string(rank));
  }
  for (size_t i = 0; i < rank; ++i) {
    if (range.min[i] < 1 || range.min[i] > range.opt[i] || range.opt[i] > range.max[i]) {
      throw fail("need 1 <= min <= opt <= max in every dimension, got min " + dimsText(range.min) + " opt " +
                 dimsText(range.opt) + " max " + dimsText(range.max));
    }
    const int64_t fixed = networkDims.d[i];
    if (fixed >= 0 && (range.min[i] != fixed || range.max[i] != fixed)) {
      throw fail("change dimension " + std::to_string(i) + ", which the ONNX fixes to " + std::to_string(fixed));
    }
  }
}

struct ProfileSetup {
  nvinfer1::IOptimizationProfile* profile = nullptr;  // owned by the builder
  std::string calibrationInput;
  std::vector<int64_t> calibrationDims;  // opt shape (or static shape) of the first input
};

ProfileSetup configureProfiles(nvinfer1::IBuilder& builder, nvinfer1::INetworkDefinition& network,
                               nvinfer1::IBuilderConfig& config, const BuildOptions& options) {
  ProfileSetup setup;
  bool anyDynamic = false;
  nvinfer1::IOptimizationProfile* profile = builder.createOptimizationProfile();
  for (int32_t i = 0; i < network.getNbInputs(); ++i) {
    nvinfer1::ITensor* input = network.getInput(i);
    const std::string name = input->getName();
    const nvinfer1::Dims dims = input->getDimensions();
    const InputShapeRange* range = rangeFor(options, name, i);
    std::vector<int64_t> opt(dims.d, dims.d + dims.nbDims);
    if (range != nullptr) {
      checkRange(*range, name, dims);
      opt = range->opt;
    }
    if (isDynamic(dims)) {
      anyDynamic = true;
      if (range == nullptr) {
        throw BackendError(kErrInvalidOption, "Input '" + name + "' has dynamic shape " + dimsText(dims) +
                                                  ": give shapes { min, opt, max } for it");
      }
      profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMIN, toDims(range->min));
      profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kOPT, toDims(range->opt));
      profile->setDimensions(name.c_str(), nvinfer1::OptProfileSelector::kMAX, toDims(range->max));
    }
    if (i == 0) {
      setup.calibrationInput = name;
      setup.calibrationDims = opt;
    }
  }
  for (const auto& range : options.shapes) {
    bool known = range.input.empty();
    for (int32_t i = 0; i < network.getNbInputs() && !known; ++i) known = range.input == network.getInput(i)->getName();
    if (!known) throw BackendError(kErrInvalidOption, "shapes names input '" + range.input + "', which the ONNX does not have");
  }
  if (anyDynamic) {
    if (config.addOptimizationProfile(profile) < 0) {
      throw BackendError(kErrInvalidOption, "TensorRT rejected the optimization profile built from shapes");
    }
    setup.profile = profile;
  }
  return setup;
}

void configureDla(nvinfer1::IBuilder& builder, nvinfer1::IBuilderConfig& config, const BuildOptions& options) {
  if (options.dlaCore < 0) return;
  const int32_t cores = builder.getNbDLACores();
  if (cores == 0) {
    throw BackendError(kErrInvalidOption, "dlaCore " + std::to_string(options.dlaCore) +
                                              " was requested but this device has no DLA cores (only Jetson AGX/NX Orin and Xavier have them)");
  }
  if (options.dlaCore >= cores) {
    throw BackendError(kErrInvalidOption, "dlaCore " + std::to_string(options.dlaCore) + " does not exist: this device has " +
                                              std::to_string(cores) + " DLA core(s), 0.." + std::to_string(cores - 1));
  }
  if (options.precision == Precision::FP32 && !options.stronglyTyped) {
    throw BackendError(kErrInvalidOption, "DLA runs FP16 or INT8 layers only: use precision 'fp16' or 'int8' with dlaCore");
  }
  config.setDefaultDeviceType(nvinfer1::DeviceType::kDLA);
  config.setDLACore(options.dlaCore);
  if (options.gpuFallback) config.setFlag(nvinfer1::BuilderFlag::kGPU_FALLBACK);
}

// Returns the cache object so it outlives the build (TensorRT keeps a reference).
std::unique_ptr<nvinfer1::ITimingCache> configureTimingCache(nvinfer1::IBuilderConfig& config, const BuildOptions& options,
                                                            std::vector<std::string>& warnings) {
  if (options.timingCachePath.empty()) return nullptr;
  std::vector<char> blob;
  if (fileExists(options.timingCachePath)) blob = readWholeFile(options.timingCachePath, kErrBackend);
  std::unique_ptr<nvinfer1::ITimingCache> cache(config.createTimingCache(blob.empty() ? nullptr : blob.data(), blob.size()));
  if (!cache && !blob.empty()) {
    warnings.push_back("Timing cache " + options.timingCachePath + " is unreadable; starting an empty one");
    cache.reset(config.createTimingCache(nullptr, 0));
  }
  if (!cache) throw BackendError(kErrBackend, "TensorRT could not create a timing cache");
  if (!config.setTimingCache(*cache, false)) {
    // Written by another TensorRT version or device: its timings do not apply here.
    warnings.push_back("Timing cache " + options.timingCachePath + " does not match this TensorRT/GPU; starting an empty one");
    cache.reset(config.createTimingCache(nullptr, 0));
    if (!cache || !config.setTimingCache(*cache, false)) throw BackendError(kErrBackend, "TensorRT refused an empty timing cache");
  }
  return cache;
}

void saveTimingCache(nvinfer1::IBuilderConfig& config, const BuildOptions& options, BuildResult& result) {
  if (options.timingCachePath.empty()) return;
  const nvinfer1::ITimingCache* cache = config.getTimingCache();
  if (cache == nullptr) return;
  std::unique_ptr<nvinfer1::IHostMemory> serialized(cache->serialize());
  if (!serialized) {
    result.warnings.push_back("TensorRT could not serialize the timing cache");
    return;
  }
  writeFileAtomic(options.timingCachePath, serialized->data(), serialized->size(), kErrBackend);
  result.timingCacheSaved = true;
}

std::string parserErrors(nvonnxparser::IParser& parser, const std::string& path) {
  std::string text = "TensorRT's ONNX parser rejected " + path;
  for (int32_t i = 0; i < parser.getNbErrors(); ++i) {
    const nvonnxparser::IParserError* error = parser.getError(i);
    if (error == nullptr) continue;
    text += "\n  node " + std::to_string(error->node()) + ": " + (error->desc() != nullptr ? error->desc() : "?");
  }
  return text;
}

#if NV_TENSORRT_MAJOR < 11
// calibration.fixedInputs uploaded once: each file must hold the input's calibration shape (the
// profile's opt, or its static dims) in float32.
std::vector<CalibrationFeed::FixedInput> fixedCalibrationInputs(nvinfer1::INetworkDefinition& network, const BuildOptions& options) {
  std::vector<CalibrationFeed::FixedInput> fixed;
  for (const auto& given : options.calibration.fixedInputs) {
    int32_t index = -1;
    for (int32_t i = 0; i < network.getNbInputs(); ++i) {
      if (given.input == network.getInput(i)->getName()) index = i;
    }
    if (index <= 0) {
      throw BackendError(kErrInvalidOption, "calibration data given for input '" + given.input +
                                                (index == 0 ? "', the image input" : "', which the ONNX does not have"));
    }
    const nvinfer1::Dims dims = network.getInput(index)->getDimensions();
    const InputShapeRange* range = rangeFor(options, given.input, index);
    const std::vector<int64_t> shape = range != nullptr ? range->opt : std::vector<int64_t>(dims.d, dims.d + dims.nbDims);
    size_t count = 1;
    for (int64_t d : shape) count *= static_cast<size_t>(d < 0 ? 0 : d);
    const std::vector<char> bytes = readWholeFile(given.path, kErrCalibration);
    if (bytes.size() != count * sizeof(float)) {
      throw BackendError(kErrCalibration, "Calibration data for input '" + given.input + "' holds " + std::to_string(bytes.size()) +
                                              " bytes; its calibration shape " + dimsText(shape) + " needs " +
                                              std::to_string(count * sizeof(float)) + " (float32)");
    }
    CalibrationFeed::FixedInput input{given.input, DeviceBuffer(bytes.size())};
    copyToDevice(input.device.get(), bytes.data(), bytes.size(), nullptr, "cuMemcpyHtoDAsync (calibration input)");
    cudaCheck(driver().cuStreamSynchronize(nullptr), "cuStreamSynchronize (calibration input)");
    fixed.push_back(std::move(input));
  }
  return fixed;
}
#endif

nvinfer1::NetworkDefinitionCreationFlags networkFlags(const BuildOptions& options) {
#if NV_TENSORRT_MAJOR >= 11
  // TensorRT 11 networks are always strongly typed; its flag is deprecated and ignored.
  (void)options;
  return 0;
#else
  return options.stronglyTyped ? 1U << static_cast<uint32_t>(nvinfer1::NetworkDefinitionCreationFlag::kSTRONGLY_TYPED) : 0U;
#endif
}

void checkPrecisionSupported(const BuildOptions& options) {
#if NV_TENSORRT_MAJOR >= 11
  if (!options.stronglyTyped && options.precision != Precision::FP32) {
    throw BackendError(kErrInvalidOption,
                       "TensorRT 11 takes precision from the ONNX only (strongly typed): give an FP16 ONNX for 'fp16' or a Q/DQ "
                       "ONNX from quantize() for 'int8'; 'best' is a TensorRT 10 option");
  }
  if (options.calibration.enabled) {
    throw BackendError(kErrInvalidOption,
                       "TensorRT 11 has no calibrators: quantize the ONNX with quantize() (Q/DQ) and build that");
  }
#else
  (void)options;
#endif
}

}  // namespace

BuildResult buildSerializedEngine(const BuildOptions& options, ProgressSink* progress) {
  // Before any library is loaded: a missing model is the same error on every machine.
  if (!fileExists(options.onnxPath)) throw BackendError(kErrFileNotFound, "ONNX file not found: " + options.onnxPath);
  checkPrecisionSupported(options);
  const InferLibrary& library = inferLibrary();
  const ParserLibrary& parserLib = parserLibrary();
  const std::string noBuilder = prepareBuilderResources();
  if (!noBuilder.empty()) throw BackendError(kErrUnavailable, noBuilder);
  BuildResult result;
  result.gpu = describeGpu(options.device);
  result.tensorrtVersion = formatVersion(library.version);
  result.tensorrtBuild = library.version.build;
  result.tensorrtVersionCode = library.versionCode;
  result.calibrationCache = "none";
  // The builder, calibrator and timing measurements run on this device's primary context.
  DeviceContext device(options.device);

  LogCapture logger;
  std::unique_ptr<nvinfer1::IBuilder> builder(library.createBuilder());
  if (!builder) throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not create a builder"));
  std::unique_ptr<nvinfer1::INetworkDefinition> network(builder->createNetworkV2(networkFlags(options)));
  if (!network) throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not create a network"));
  std::unique_ptr<nvonnxparser::IParser> parser(parserLib.createParser(*network));
  if (!parser) throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not create an ONNX parser"));
  if (!parser->parseFromFile(options.onnxPath.c_str(), static_cast<int>(nvinfer1::ILogger::Severity::kWARNING))) {
    throw BackendError(kErrModelFormat, parserErrors(*parser, options.onnxPath));
  }

  std::unique_ptr<nvinfer1::IBuilderConfig> config(builder->createBuilderConfig());
  if (!config) throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not create a builder config"));
  const ProfileSetup profiles = configureProfiles(*builder, *network, *config, options);
  if (options.workspaceBytes > 0) config->setMemoryPoolLimit(nvinfer1::MemoryPoolType::kWORKSPACE, options.workspaceBytes);
  if (options.optimizationLevel >= 0) config->setBuilderOptimizationLevel(options.optimizationLevel);
  configureDla(*builder, *config, options);
  if (options.versionCompatible) config->setFlag(nvinfer1::BuilderFlag::kVERSION_COMPATIBLE);
  if (options.hardwareCompatibility == "ampere+") {
    config->setHardwareCompatibilityLevel(nvinfer1::HardwareCompatibilityLevel::kAMPERE_PLUS);
  }
  std::unique_ptr<nvinfer1::ITimingCache> timingCache = configureTimingCache(*config, options, result.warnings);

#if NV_TENSORRT_MAJOR < 11
  // Implicit quantization (TensorRT 10): builder flags pick the precisions, a calibrator the INT8
  // scales. A strongly typed network takes its types from the ONNX and forbids these flags.
  std::unique_ptr<CalibrationFeed> feed;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // kFP16/kINT8/calibrators: deprecated in 10.x, gone in 11
  std::unique_ptr<nvinfer1::IInt8Calibrator> calibrator;
  if (!options.stronglyTyped) {
    const bool fp16 = options.precision == Precision::FP16 || options.precision == Precision::Best;
    const bool int8 = options.precision == Precision::INT8 || options.precision == Precision::Best;
    if (fp16) config->setFlag(nvinfer1::BuilderFlag::kFP16);
    if (int8) {
      if (!options.calibration.enabled) {
        throw BackendError(kErrInvalidOption, "precision 'int8' needs calibration (images or a cache) or a Q/DQ ONNX");
      }
      config->setFlag(nvinfer1::BuilderFlag::kINT8);
      if (!options.fp16Pins.embeddingsInput.empty()) {
        result.fp16Pins = pinFp16Layers(*network, options.fp16Pins);
        if (result.fp16Pins.embeddingLayers + result.fp16Pins.protoLayers > 0) {
          // Pinned layers need FP16 kernels enabled; PREFER (not OBEY): a layer without an FP16
          // implementation falls back with a warning instead of failing the build.
          config->setFlag(nvinfer1::BuilderFlag::kFP16);
          config->setFlag(nvinfer1::BuilderFlag::kPREFER_PRECISION_CONSTRAINTS);
        }
      }
      const PreparedCache cache = prepareCalibrationCache(options.calibration, library.versionCode, result.warnings);
      result.calibrationCache = cache.state;
      std::unique_ptr<CalibrationData> data;
      if (!options.calibration.dataPath.empty()) {
        data = std::make_unique<CalibrationData>(options.calibration.dataPath);
        if (data->batchDims() != profiles.calibrationDims) {
          throw BackendError(kErrCalibration, "Calibration batches have shape " + dimsText(data->batchDims()) + " but input '" +
                                                  profiles.calibrationInput + "' calibrates at " +
                                                  dimsText(profiles.calibrationDims) + " (its opt shape)");
        }
      }
      feed = std::make_unique<CalibrationFeed>(std::move(data), profiles.calibrationInput, cache.text,
                                               options.calibration.cachePath, progress,
                                               fixedCalibrationInputs(*network, options));
      calibrator = makeCalibrator(options.calibration.method, *feed);
      config->setInt8Calibrator(calibrator.get());
      if (profiles.profile != nullptr && !config->setCalibrationProfile(profiles.profile)) {
        throw BackendError(kErrCalibration, logger.errorSummary("TensorRT refused the calibration profile (the opt shapes of input '" +
                                                                profiles.calibrationInput + "')"));
      }
    }
  }
#pragma GCC diagnostic pop
#endif
  if (!options.fp16Pins.embeddingsInput.empty() && !result.fp16Pins.requested) {
    result.fp16Pins.requested = true;
#if NV_TENSORRT_MAJOR >= 11
    result.fp16Pins.note = "TensorRT 11 networks are strongly typed: precisions come from the ONNX";
#else
    result.fp16Pins.note = options.stronglyTyped ? "strongly typed network: precisions come from the ONNX (Q/DQ or FP16 types)"
                                                 : "no implicit INT8: nothing to keep out of it";
#endif
  }

  std::unique_ptr<ProgressMonitor> monitor;
  if (progress != nullptr) {
    monitor = std::make_unique<ProgressMonitor>(*progress);
    config->setProgressMonitor(monitor.get());
  }

  std::unique_ptr<nvinfer1::IHostMemory> plan(builder->buildSerializedNetwork(*network, *config));
#if NV_TENSORRT_MAJOR < 11
  if (progress != nullptr && progress->cancelled()) throw BackendError(kErrCancelled, "Engine build cancelled");
  if (feed && !feed->failure().empty()) throw BackendError(kErrCalibration, feed->failure());
  if (feed && feed->cacheWritten() && result.calibrationCache == "none") result.calibrationCache = "written";
  if (feed && !feed->cacheWriteProblem().empty()) result.warnings.push_back(feed->cacheWriteProblem());
#endif
  if (!plan || plan->size() == 0) {
    if (progress != nullptr && progress->cancelled()) throw BackendError(kErrCancelled, "Engine build cancelled");
    throw BackendError(kErrBackend, logger.errorSummary("TensorRT could not build the engine"));
  }
  saveTimingCache(*config, options, result);
  const auto* bytes = static_cast<const uint8_t*>(plan->data());
  result.plan.assign(bytes, bytes + plan->size());
  for (auto& warning : logger.warnings()) result.warnings.push_back(std::move(warning));
  return result;
}

}  // namespace yoloe::trt
