/**
 * Horizontal mirroring of an image and of detections made on the mirrored image, back into the
 * original's coordinates. YOLO trains with fliplr, so a model's view of the mirrored image is as
 * good as of the original, with localisation errors of its own: its detections, mirrored back,
 * serve as pseudo ground truth that is not the model's own output (held-out-estimate.ts).
 */
import type { BinaryMask, Detection, ImageResult, RgbImage } from '../types.js';

/** The image flipped left-right (pixel x moves to width - 1 - x). */
export function mirrorImage(image: RgbImage): RgbImage {
  const { width, height, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) {
      const from = row + 3 * x;
      const to = row + 3 * (width - 1 - x);
      out[to] = data[from]!;
      out[to + 1] = data[from + 1]!;
      out[to + 2] = data[from + 2]!;
    }
  }
  return { width, height, data: out };
}

/** A box [x1, y1, x2, y2] in continuous pixel coordinates (pixel x spans [x, x + 1]) mirrored: x becomes width - x. */
export function mirrorBox(box: readonly [number, number, number, number], width: number): [number, number, number, number] {
  return [width - box[2], box[1], width - box[0], box[3]];
}

/** A full-image binary mask flipped left-right. */
export function mirrorMask(mask: BinaryMask): BinaryMask {
  const { width, height } = mask;
  const data = mask.data;
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) out[row + width - 1 - x] = data[row + x]!;
  }
  return { width, height, data: out };
}

/** Detections made on the mirrored image, in the original image's coordinates. */
export function mirrorResult(result: ImageResult): ImageResult {
  const detections: Detection[] = result.detections.map((d) => ({
    ...d,
    box: mirrorBox(d.box, result.width),
    ...(d.mask ? { mask: mirrorMask(d.mask) } : {}),
  }));
  return { ...result, detections };
}
