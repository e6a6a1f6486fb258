import { YoloeTrtError, type YoloeTrtErrorCode } from '../errors.js';

const CODES: ReadonlySet<string> = new Set<YoloeTrtErrorCode>([
  'ERR_FILE_NOT_FOUND',
  'ERR_INVALID_OPTION',
  'ERR_IMAGE_DECODE',
  'ERR_IMAGE_CHANNELS',
  'ERR_MODEL_FORMAT',
  'ERR_MODEL_LAYOUT',
  'ERR_SHAPE',
  'ERR_BACKEND_UNAVAILABLE',
  'ERR_BACKEND',
  'ERR_NATIVE',
  'ERR_ENGINE_MISMATCH',
  'ERR_CALIBRATION',
  'ERR_QUANTIZATION',
  'ERR_DATASET',
  'ERR_DISPOSED',
  'ERR_CANCELLED',
]);

/** A native error (its `code` set in C++) as a YoloeTrtError; anything else becomes ERR_NATIVE. */
export function fromNativeError(err: unknown): YoloeTrtError {
  if (err instanceof YoloeTrtError) return err;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' && CODES.has(e.code) ? (e.code as YoloeTrtErrorCode) : 'ERR_NATIVE';
  const message = typeof e?.message === 'string' ? e.message : String(err);
  return new YoloeTrtError(code, message, undefined, { cause: err });
}

/** Runs a sync native call, converting its errors. */
export function callNative<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw fromNativeError(err);
  }
}

/** Runs an async native call; validation errors thrown synchronously become rejections too. */
export async function callNativeAsync<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw fromNativeError(err);
  }
}
