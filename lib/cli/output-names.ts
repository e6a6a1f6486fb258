import { basename, extname } from 'node:path';

/** Formats annotateImage() writes; other inputs (WebP, TIFF, ...) are annotated as JPEG. */
const KEPT_EXTENSIONS: Record<string, 'jpeg' | 'png'> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png' };

/**
 * Unique output file names for a batch: `a/x.jpg` and `b/x.jpg` become `x.jpg` and `x-2.jpg`,
 * `coffee.jpg` and `coffee.png` keep their extensions, and `results.json` is never handed out.
 */
export class OutputNames {
  private readonly used = new Set<string>(['results.json']);

  /** The next free name for `imagePath`, and the format to encode it in. */
  take(imagePath: string): { name: string; format: 'jpeg' | 'png' } {
    const ext = extname(imagePath);
    const format = KEPT_EXTENSIONS[ext.toLowerCase()];
    const stem = basename(imagePath, ext) || 'image';
    const outExt = format ? ext : '.jpg';
    let name = `${stem}${outExt}`;
    for (let n = 2; this.used.has(name.toLowerCase()); n++) name = `${stem}-${n}${outExt}`;
    this.used.add(name.toLowerCase());
    return { name, format: format ?? 'jpeg' };
  }
}
