/**
 * Every failure yoloe-trt reports is a YoloeTrtError with a stable `code`, so callers can
 * branch on the kind of failure without parsing messages.
 */
export type YoloeTrtErrorCode =
  | 'ERR_FILE_NOT_FOUND' // a model, image, engine or data file does not exist
  | 'ERR_NOT_A_FILE' // the path is a folder, FIFO, device or socket where a regular file is needed
  | 'ERR_FILE_TOO_LARGE' // a source file is over its byte cap (maxImageBytes, maxModelBytes)
  | 'ERR_FILE_READ' // a file exists but cannot be read (permissions, I/O error)
  | 'ERR_FILE_WRITE' // an output cannot be written (missing or read-only folder, a folder in the way, same as an input)
  | 'ERR_INVALID_OPTION' // an option has the wrong type or range
  | 'ERR_IMAGE_DECODE' // corrupt or unsupported image data
  | 'ERR_IMAGE_CHANNELS' // raw pixels with a channel count other than 1..4, or a size mismatch
  | 'ERR_MODEL_FORMAT' // not a readable ONNX / engine file
  | 'ERR_MODEL_LAYOUT' // outputs match no known YOLO head layout
  | 'ERR_SHAPE' // a tensor shape does not match what the model expects
  | 'ERR_BACKEND_UNAVAILABLE' // the requested backend cannot run here (library missing, no GPU, ...)
  | 'ERR_BACKEND' // the backend failed while running
  | 'ERR_NATIVE' // the native addon reported a failure
  | 'ERR_ENGINE_MISMATCH' // engine built by another TensorRT version or for another GPU
  | 'ERR_CALIBRATION' // calibration data or cache is unusable
  | 'ERR_QUANTIZATION' // a quantized model fails its accuracy check
  | 'ERR_DATASET' // evaluation data (COCO json, labels) is unusable
  | 'ERR_NO_VOCABULARY' // a run-time-vocabulary model was asked to detect with no classes set
  | 'ERR_DISPOSED' // the model was disposed
  | 'ERR_FILE_FORMAT' // a data file (.npy array, CLIP BPE vocabulary) is not in the expected format
  | 'ERR_FFMPEG_NOT_FOUND' // a video source needs the ffmpeg executable and there is none
  | 'ERR_SOURCE' // a video / camera / stream source cannot be opened or read
  | 'ERR_CANCELLED'; // the caller cancelled the job (AbortSignal)

export class YoloeTrtError extends Error {
  readonly code: YoloeTrtErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: YoloeTrtErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'YoloeTrtError';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
}

/** Renders a value for an error message: short, unambiguous, never throws. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `${value.constructor.name} of ${value.byteLength} bytes`;
  if (typeof value === 'function') return 'a function';
  return `an object (${Object.prototype.toString.call(value).slice(8, -1)})`;
}

/** The one uniform option error: "Expected <what> for <option> but received <value>". */
export function invalidOption(option: string, expected: string, received: unknown): YoloeTrtError {
  return new YoloeTrtError(
    'ERR_INVALID_OPTION',
    `Expected ${expected} for ${option} but received ${describeValue(received)}`,
    { option },
  );
}
