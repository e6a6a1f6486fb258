/**
 * Writes report files atomically (a temporary sibling, then rename): an interrupted run never
 * leaves half a PNG or HTML page where the user looks for one.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';

export function writeAtomic(path: string, data: string | Uint8Array): void {
  const temporary = `${path}.partial-${process.pid}`;
  try {
    writeFileSync(temporary, data);
    renameSync(temporary, path);
  } catch (e) {
    rmSync(temporary, { force: true });
    throw e;
  }
}

/** Renders an SVG to PNG with sharp (librsvg) and writes it to dir/name. Returns the path. */
export async function writeSvgAsPng(dir: string, name: string, svg: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const png = await sharp(Buffer.from(svg)).png().toBuffer();
  const path = join(dir, name);
  writeAtomic(path, png);
  return path;
}
