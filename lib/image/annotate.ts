import sharp from 'sharp';
import { YoloeTrtError, invalidOption } from '../errors.js';
import type { Detection, RgbImage } from '../types.js';
import { optEnum, optNumber, optObject, checkKnownKeys } from '../validate.js';

/** 20 class colours (the Ultralytics plotting palette), indexed by `classId % 20`. */
export const PALETTE: readonly (readonly [number, number, number])[] = [
  'FF3838', 'FF9D97', 'FF701F', 'FFB21D', 'CFD231', '48F90A', '92CC17', '3DDB86', '1A9334', '00D4BB',
  '2C99A8', '00C2FF', '344593', '6473FF', '0018EC', '8438FF', '520085', 'CB38FF', 'FF95C8', 'FF37C7',
].map((hex) => [parseInt(hex.slice(0, 2), 16), parseInt(hex.slice(2, 4), 16), parseInt(hex.slice(4, 6), 16)] as const);

export interface AnnotateOptions {
  /** opacity of the mask colour over the image, 0..1; default 0.5 */
  maskAlpha?: number;
  /** box outline width in pixels; default max(round((w + h) / 2 * 0.003), 2), as Ultralytics */
  lineWidth?: number;
  /** output encoding; 'raw' is RGB24 pixels (for video frames); default 'jpeg' */
  format?: 'jpeg' | 'png' | 'raw';
  /** JPEG quality 1..100; default 90 */
  quality?: number;
}

/** Tracked detections (those with a trackId) take their track's colour and an "id:N" label prefix, as Ultralytics plots them. */
function colourKey(det: Detection): number {
  return (det as { trackId?: number }).trackId ?? det.classId;
}

function labelOf(det: Detection): string {
  const id = (det as { trackId?: number }).trackId;
  return `${id === undefined ? '' : `id:${id} `}${det.label} ${det.score.toFixed(2)}`;
}

function colourOf(classId: number): readonly [number, number, number] {
  const i = Number.isInteger(classId) ? ((classId % PALETTE.length) + PALETTE.length) % PALETTE.length : 0;
  return PALETTE[i];
}

const XML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => XML_ENTITIES[ch] ?? ch);
}

/** Blends each detection's mask colour into a copy of the pixels (only inside the mask). */
function blendMasks(img: RgbImage, detections: Detection[], alpha: number): Uint8Array {
  const px = new Uint8Array(img.data);
  for (const det of detections) {
    const mask = det.mask;
    if (!mask) continue;
    if (mask.width !== img.width || mask.height !== img.height || mask.data.length !== img.width * img.height) {
      throw new YoloeTrtError('ERR_SHAPE', `mask of ${mask.width}x${mask.height} does not cover the ${img.width}x${img.height} image`);
    }
    const [r, g, b] = colourOf(colourKey(det));
    const keep = 1 - alpha;
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i] === 0) continue;
      const o = 3 * i;
      px[o] = Math.round(px[o] * keep + r * alpha);
      px[o + 1] = Math.round(px[o + 1] * keep + g * alpha);
      px[o + 2] = Math.round(px[o + 2] * keep + b * alpha);
    }
  }
  return px;
}

/** Boxes and "name 0.89" labels as one SVG the size of the image. */
function overlaySvg(width: number, height: number, detections: Detection[], lineWidth: number): string {
  const fontSize = Math.max(12, Math.round(lineWidth * 6));
  const labelH = Math.round(fontSize * 1.3);
  const parts: string[] = [];
  for (const det of detections) {
    const [r, g, b] = colourOf(colourKey(det));
    const fill = `rgb(${r},${g},${b})`;
    // dark text on light colours, white on dark ones (perceived luminance)
    const text = 0.299 * r + 0.587 * g + 0.114 * b > 150 ? '#000' : '#fff';
    const [x1, y1, x2, y2] = det.box;
    const half = lineWidth / 2;
    parts.push(
      `<rect x="${x1 + half}" y="${y1 + half}" width="${Math.max(0, x2 - x1 - lineWidth)}" height="${Math.max(0, y2 - y1 - lineWidth)}" fill="none" stroke="${fill}" stroke-width="${lineWidth}"/>`,
    );
    const label = labelOf(det);
    const labelW = Math.round(label.length * fontSize * 0.62 + fontSize * 0.4);
    const above = y1 - labelH >= 0;
    const ly = above ? y1 - labelH : y1;
    const lx = Math.min(Math.max(0, x1), Math.max(0, width - labelW));
    parts.push(
      `<rect x="${lx}" y="${ly}" width="${labelW}" height="${labelH}" fill="${fill}"/>`,
      `<text x="${lx + fontSize * 0.2}" y="${ly + labelH - fontSize * 0.35}" font-family="DejaVu Sans, Arial, sans-serif" font-size="${fontSize}" fill="${text}">${escapeXml(label)}</text>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
}

/**
 * Draws detections on an image and encodes it: translucent per-class masks (blended on the raw
 * pixels), box outlines and a "name 0.89" label above each box, in a fixed 20-colour palette
 * indexed by class id.
 *
 * @param opts.maskAlpha mask opacity; default 0.5
 * @param opts.lineWidth outline width; default max(round((w + h) / 2 * 0.003), 2)
 * @param opts.format 'jpeg' (default), 'png' or 'raw' (RGB24 pixels)
 * @param opts.quality JPEG quality; default 90
 * @example
 * await writeFile('out.jpg', await annotateImage(img, result.detections));
 */
export async function annotateImage(img: RgbImage, detections: Detection[], opts?: AnnotateOptions): Promise<Buffer> {
  if (!img || !(img.data instanceof Uint8Array) || img.data.length !== img.width * img.height * 3 || img.width < 1 || img.height < 1) {
    throw invalidOption('image', 'an RgbImage (3-channel data of width * height * 3 bytes)', img);
  }
  if (!Array.isArray(detections)) throw invalidOption('detections', 'an array of Detection', detections);
  const o = optObject('annotate options', opts);
  checkKnownKeys('annotateImage', o, ['maskAlpha', 'lineWidth', 'format', 'quality']);
  const maskAlpha = optNumber('maskAlpha', o.maskAlpha, 0.5, 0, 1);
  const lineWidth = optNumber('lineWidth', o.lineWidth, Math.max(Math.round(((img.width + img.height) / 2) * 0.003), 2), 1, 1000);
  const format = optEnum('format', o.format, ['jpeg', 'png', 'raw'] as const, 'jpeg');
  const quality = optNumber('quality', o.quality, 90, 1, 100, { integer: true });

  const pixels = blendMasks(img, detections, maskAlpha);
  const svg = overlaySvg(img.width, img.height, detections, lineWidth);
  // composite leaves an alpha channel; render to raw first, then drop it, so a PNG is plain RGB
  const drawn = await sharp(pixels, { raw: { width: img.width, height: img.height, channels: 3 } })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  const canvas = sharp(drawn.data, { raw: { width: drawn.info.width, height: drawn.info.height, channels: drawn.info.channels } }).removeAlpha();
  if (format === 'raw') return canvas.raw().toBuffer();
  return format === 'png' ? canvas.png().toBuffer() : canvas.jpeg({ quality }).toBuffer();
}
