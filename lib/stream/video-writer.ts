import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { YoloeTrtError } from '../errors.js';
import { ffmpegPath, ffmpegReason } from './ffmpeg.js';

/**
 * Encodes RGB frames into a video file with ffmpeg (H.264, yuv420p; MJPEG for .avi), written to a
 * temporary file beside the target and renamed into place on close(), so an existing file is
 * replaced only by a complete video.
 */
export class VideoWriter {
  private proc?: ChildProcessByStdio<Writable, null, Readable>;
  private log = '';
  private exited?: Promise<number | null>;
  private readonly temp: string;
  private failure?: YoloeTrtError;

  constructor(private readonly path: string, private readonly fps: number) {
    this.temp = join(dirname(path), `.${basename(path, extname(path))}.${process.pid}.tmp${extname(path) || '.mp4'}`);
  }

  async write(frame: { data: Uint8Array; width: number; height: number }): Promise<void> {
    this.proc ??= this.start(frame.width, frame.height);
    if (this.failure) throw this.failure;
    const stdin = this.proc.stdin;
    if (!stdin.write(frame.data)) await new Promise<void>((resolve) => { stdin.once('drain', resolve); this.proc!.once('close', () => resolve()); });
    if (this.failure) throw this.failure;
  }

  /** Finishes the file and moves it into place; returns false when no frame was written. */
  async close(): Promise<boolean> {
    if (!this.proc) return false;
    this.proc.stdin.end();
    const code = await this.exited;
    if (this.failure || code !== 0) {
      await rm(this.temp, { force: true });
      throw this.failure ?? new YoloeTrtError('ERR_SOURCE', `ffmpeg could not write ${this.path} (exit ${code}): ${ffmpegReason(this.log)}`, { path: this.path });
    }
    await rename(this.temp, this.path);
    return true;
  }

  /** Stops without touching the target (the temporary file is removed). */
  async abort(): Promise<void> {
    this.proc?.kill('SIGKILL');
    await this.exited;
    await rm(this.temp, { force: true });
  }

  private start(width: number, height: number) {
    const codec = extname(this.path).toLowerCase() === '.avi' ? ['-c:v', 'mjpeg', '-q:v', '3'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p'];
    const exe = ffmpegPath();
    const proc = spawn(exe, [
      '-hide_banner', '-nostats', '-loglevel', 'error', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-r', String(this.fps), '-i', 'pipe:0',
      ...codec, this.temp,
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (t: string) => { this.log = (this.log + t).slice(-4096); });
    proc.stdin.on('error', () => { /* reported through the exit code */ });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      this.failure = err.code === 'ENOENT'
        ? new YoloeTrtError('ERR_FFMPEG_NOT_FOUND', `ffmpeg was not found (tried ${JSON.stringify(exe)}): install it or set YOLOE_TRT_FFMPEG`, { ffmpeg: exe })
        : new YoloeTrtError('ERR_SOURCE', `Cannot start ffmpeg to write ${this.path}: ${err.message}`, { path: this.path });
    });
    this.exited = new Promise((resolve) => proc.on('close', resolve));
    return proc;
  }
}
