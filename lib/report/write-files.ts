/** Report files (PNG plots, HTML pages), each written atomically through lib/fs/atomic-write. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { writeFileAtomicSync } from '../fs/atomic-write.js';

/** Renders an SVG to PNG with sharp (librsvg) and writes it to dir/name. Returns the path. */
export async function writeSvgAsPng(dir: string, name: string, svg: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const path = join(dir, name);
  writeFileAtomicSync(path, png);
  return path;
}
