import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Third-party fixtures live outside the repository (../shared/fixtures, or YOLOE_TRT_FIXTURES).
 * A test that needs one fails loudly when it is missing: it never skips.
 */
export const FIXTURES = resolve(process.env.YOLOE_TRT_FIXTURES ?? join(import.meta.dirname, '..', '..', 'shared', 'fixtures'));

export function fixture(...parts: string[]): string {
  const path = join(FIXTURES, ...parts);
  if (!existsSync(path)) {
    throw new Error(`Fixture missing: ${path}. Set YOLOE_TRT_FIXTURES to the shared fixtures folder (see README).`);
  }
  return path;
}

export const MODELS = {
  det640: () => fixture('models', 'yolov8n_640_fp32.onnx'),
  seg320: () => fixture('models', 'yolov8n-seg_320_fp32.onnx'),
  seg320int8: () => fixture('models', 'yolov8n-seg_int8dyn_320.onnx'),
  broken: () => fixture('models', 'yolov8n_640_qoperator_BROKEN.onnx'),
};

export const IMAGES = {
  bus: () => fixture('images', 'bus.jpg'),
  zidane: () => fixture('images', 'zidane.jpg'),
  skimage: (name: string) => fixture('images', 'skimage', name),
};
