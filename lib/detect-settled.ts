import { YoloeTrtError } from './errors.js';
import type { ImageInput, ImageResult, RgbImage } from './types.js';

/** One input's outcome under `detect(inputs, { settle: true })`. */
export type SettledResult = { result: ImageResult; error?: undefined } | { error: YoloeTrtError; result?: undefined };

/** Any failure as a YoloeTrtError (a stray one becomes ERR_BACKEND, keeping its cause). */
function typed(err: unknown): YoloeTrtError {
  if (err instanceof YoloeTrtError) return err;
  return new YoloeTrtError('ERR_BACKEND', err instanceof Error ? err.message : String(err), undefined, { cause: err });
}

/**
 * Decodes every input, detects on those that decoded (batched as usual) and returns one outcome
 * per input, in order. When a batched run fails, its images run one by one so the failure is
 * attributed to the image that caused it.
 */
export async function detectSettled(
  inputs: ImageInput[],
  decode: (input: ImageInput) => Promise<RgbImage>,
  detect: (images: RgbImage[]) => Promise<ImageResult[]>,
): Promise<SettledResult[]> {
  const decoded = await Promise.allSettled(inputs.map((i) => decode(i)));
  const out: SettledResult[] = decoded.map((d) => (d.status === 'rejected' ? { error: typed(d.reason) } : (undefined as never)));
  const good = decoded.flatMap((d, i) => (d.status === 'fulfilled' ? [{ i, image: d.value }] : []));
  if (good.length === 0) return out;
  try {
    const results = await detect(good.map((g) => g.image));
    good.forEach((g, k) => (out[g.i] = { result: results[k]! }));
  } catch {
    for (const g of good) {
      try {
        out[g.i] = { result: (await detect([g.image]))[0]! };
      } catch (err) {
        out[g.i] = { error: typed(err) };
      }
    }
  }
  return out;
}
