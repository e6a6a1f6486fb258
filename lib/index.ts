/** yoloe-trt's public API: re-exports only. */
export { loadModel, Model } from './model.js';
export type { LoadModelOptions, DetectOptions } from './model.js';
export type { ModelInfoOverrides } from './model-info.js';
export { YoloeTrtError } from './errors.js';
export type { YoloeTrtErrorCode } from './errors.js';
export type * from './types.js';
