import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IMAGES } from './fixtures.js';

/**
 * Test clips made with ffmpeg from the fixture images into a temporary folder: a slow pan with a
 * slight zoom over bus.jpg (objects move smoothly, a few pixels a frame), 30 fps.
 */
export interface Clips {
  dir: string;
  /** H.264 (libx264, yuv420p) in MP4 */
  h264: string;
  /** Motion JPEG in AVI */
  mjpeg: string;
  /** an MP4 cut off before its index: ffmpeg cannot open it */
  corrupt: string;
  frames: number;
  width: number;
  height: number;
}

export function makeClips(options: { frames?: number; width?: number; height?: number } = {}): Clips {
  const frames = options.frames ?? 30;
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const dir = mkdtempSync(join(tmpdir(), 'yoloe-clips-'));
  const pan = panFilter(width, height);
  const base = ['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-framerate', '30', '-i', IMAGES.bus(), '-vf', pan, '-frames:v', String(frames)];
  const h264 = join(dir, 'pan.mp4');
  execFileSync('ffmpeg', [...base, '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-threads', '1', h264]);
  const mjpeg = join(dir, 'pan.avi');
  execFileSync('ffmpeg', [...base, '-c:v', 'mjpeg', '-q:v', '3', '-pix_fmt', 'yuvj420p', mjpeg]);
  const corrupt = join(dir, 'corrupt.mp4');
  const bytes = readFileSync(h264);
  writeFileSync(corrupt, Buffer.concat([Buffer.from('not a video at all'), bytes.subarray(bytes.length >> 1)]));
  return { dir, h264, mjpeg, corrupt, frames, width, height };
}

/** bus.jpg (810x1080) scaled 1.6x, cropped to 4:3, then a zoom from 1.25x growing 0.4%/frame while the window moves right/down. */
export function panFilter(width: number, height: number): string {
  return `scale=1296:1728,crop=1296:972:0:420,zoompan=z='1.25+0.004*on':x='60+3*on':y='40+2*on':d=1:s=${width}x${height}:fps=30,setsar=1`;
}
