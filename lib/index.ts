/** yoloe-trt's public API: re-exports only. */
export { loadModel, Model } from './model.js';
export type { LoadModelOptions, DetectOptions } from './model.js';
export type { ModelInfoOverrides } from './model-info.js';
export { buildEngine } from './build-engine.js';
export type { BuildEngineOptions, BuildEngineResult, BuildProgressEvent, CalibrationOptions, ShapeRange } from './build-engine.js';
export { prepareCalibrationSet } from './quantize/calibration-set.js';
export type { CalibrationSet, CalibrationSetOptions } from './quantize/calibration-set.js';
export { readEngineHeader } from './backends/engine-file.js';
export type { EngineHeader, EngineMetadata } from './backends/engine-file.js';
export { tensorRtAvailability } from './backends/tensorrt.js';
export { capabilities } from './capabilities.js';
export type { CapabilityReport } from './capabilities.js';
export { maskToRle, rleToMask, rleToString, rleFromString } from './decode/rle.js';
export { maskToPolygons } from './decode/polygons.js';
export { evaluateCoco, formatCocoTable, loadGroundTruth } from './eval/index.js';
export { YoloeTrtError } from './errors.js';
export type { YoloeTrtErrorCode } from './errors.js';
export type * from './types.js';
