/** INT8 quantization: calibration, Q/DQ placement per target, mixed precision, reports, TensorRT caches. */
export { quantize, modelImgsz, type QuantizeOptions, type QuantizeResult, type ImageCalibration, type RangeCalibration, type LayerCosts, type QuantizeBudget } from './qdq.js';
export { planQdq, QUANTIZE_TARGETS, type QuantizeTarget, type ExcludeOptions, type PlacementOptions, type QdqPlan } from './placement.js';
export { applyQdq, asymmetricParams, symmetricParams, quantizeWeight, type QuantParams } from './qdq-write.js';
export { collectStatistics, computeRanges, CALIBRATION_METHODS, type CalibrationMethod, type ActivationRange, type TensorStatistics } from './statistics.js';
export { chooseFloatLayers, pruneCostlyFloatLayers, type MixedPrecisionResult, type MixedPrecisionStep, type LayerSensitivity } from './sensitivity.js';
export { headError, pairedBootstrap, type HeadError, type PairedDifference } from './head-error.js';
export { fastDfl } from './fast-dfl.js';
export { checkQuantizedModel, quantizationReport, formatQuantizationReport, type QuantizationCheck, type QuantizationReport, type QuantizationVerdict, type ReportVerdict, type ReportBudget, judgeBudget } from './report.js';
export { compareDetections, type Agreement, type RawComparison } from './agreement.js';
export { evaluateModel, loadEvaluationData, toCocoDetections, type EvaluationResult, type ApSummary, type EvaluateOptions } from './evaluate-model.js';
export { measureLatency, measureLatencyRatio, measureLatencyRuns } from './latency.js';
export { importTrtCache } from './trt-import.js';
export { analyseHead, groupLayers, indexGraph } from './graph.js';
export { prepareCalibrationSet, listCalibrationImages, type CalibrationSet, type CalibrationSetOptions } from './calibration-set.js';
export { AbsHistogram, RangeHistogram } from './histogram.js';
export { minmaxRange, percentileRange, entropyRange } from './calibrators.js';
export { readTrtCache, writeTrtCache, retargetTrtCache, type TrtCache, type TrtVersion } from './trt-cache.js';
