import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { YoloeTrtError } from '../errors.js';

/** The ffmpeg executable: $YOLOE_TRT_FFMPEG, else `ffmpeg` on PATH. */
export function ffmpegPath(): string {
  return process.env.YOLOE_TRT_FFMPEG || 'ffmpeg';
}

export interface FfmpegInput {
  /** file path, URL or device */
  input: string;
  /** options placed before -i (input format, -re, -stream_loop, transport) */
  inputArgs: string[];
  /** output size: ffmpeg scales (bilinear, as swscale's default filter here) before the pipe */
  scale?: { width: number; height: number };
}

export interface VideoInfo {
  width: number;
  height: number;
  /** frames per second ffmpeg reports for the output, 0 when unknown */
  fps: number;
  /** the input's duration in seconds, when it has one (files) */
  duration?: number;
}

/** ffmpeg arguments: the first video stream, every frame as decoded (no duplication or dropping), RGB24 on stdout. */
export function ffmpegArgs(input: FfmpegInput): string[] {
  return [
    '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
    ...input.inputArgs, '-i', input.input,
    '-map', '0:v:0', '-an', '-sn', '-dn', '-vsync', 'passthrough',
    ...(input.scale ? ['-vf', `scale=${input.scale.width}:${input.scale.height}:flags=bilinear`] : []),
    '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1',
  ];
}

/** Size and rate of the raw output stream, read from ffmpeg's log once it has printed the output header. */
export function parseOutputInfo(log: string): VideoInfo | undefined {
  const out = log.indexOf('Output #0');
  if (out < 0) return undefined;
  const line = log.slice(out).split('\n').find((l) => /Stream #\d+:\d+.*: Video: rawvideo/.test(l));
  const size = line?.match(/, (\d+)x(\d+)/);
  if (!line || !size) return undefined;
  const fps = line.match(/, ([\d.]+)(k?) fps/) ?? log.slice(0, out).match(/Video: .*?, ([\d.]+)(k?) (?:fps|tbr)/);
  const rate = fps ? Number(fps[1]) * (fps[2] === 'k' ? 1000 : 1) : 0;
  const d = log.slice(0, out).match(/Duration: (\d+):(\d+):([\d.]+)/);
  const duration = d ? Number(d[1]) * 3600 + Number(d[2]) * 60 + Number(d[3]) : undefined;
  return { width: Number(size[1]), height: Number(size[2]), fps: Number.isFinite(rate) ? rate : 0, ...(duration ? { duration } : {}) };
}

/** The log lines that say why ffmpeg failed (errors rather than banners). */
export function ffmpegReason(log: string): string {
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
  const errors = lines.filter((l) => /error|invalid|no such|not found|failed|unable|could not|refused|denied|moov atom/i.test(l));
  return (errors.length ? errors : lines).slice(-3).join(' / ') || 'no output';
}

export interface FfmpegRunEvents {
  /** the output header was parsed: frames of this size follow */
  onInfo(info: VideoInfo): void;
  /** one complete RGB frame (a fresh buffer the receiver keeps) */
  onFrame(data: Uint8Array): boolean;
  /** the process ended; `error` when it could not start or failed */
  onEnd(result: { code: number | null; framesRead: number; log: string; spawnError?: YoloeTrtError }): void;
}

/**
 * One ffmpeg process decoding to raw RGB on a pipe. onFrame returning false pauses the pipe
 * (ffmpeg then blocks) until resume() is called.
 */
export class FfmpegRun {
  private readonly proc: ChildProcessByStdio<null, Readable, Readable>;
  private log = '';
  private frameBytes = 0;
  private partial?: Uint8Array;
  private filled = 0;
  private pending: Buffer[] = [];
  private framesRead = 0;
  private spawnError?: YoloeTrtError;
  killed = false;

  constructor(input: FfmpegInput, private readonly events: FfmpegRunEvents) {
    const exe = ffmpegPath();
    this.proc = spawn(exe, ffmpegArgs(input), { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.on('error', (err: NodeJS.ErrnoException) => {
      this.spawnError = err.code === 'ENOENT'
        ? new YoloeTrtError('ERR_FFMPEG_NOT_FOUND', `ffmpeg was not found (tried ${JSON.stringify(exe)}): install it (apt-get install ffmpeg) or set YOLOE_TRT_FFMPEG to its path`, { ffmpeg: exe }, { cause: err })
        : new YoloeTrtError('ERR_SOURCE', `Cannot start ffmpeg (${exe}): ${err.message}`, { ffmpeg: exe }, { cause: err });
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (text: string) => {
      // keep the header whole until it is parsed, then only a tail for error messages
      this.log = this.frameBytes ? (this.log + text).slice(-8192) : this.log + text;
      if (!this.frameBytes) this.tryHeader();
    });
    this.proc.stdout.on('data', (chunk: Buffer) => {
      if (!this.frameBytes) this.pending.push(chunk);
      else this.consume(chunk);
    });
    this.proc.on('close', (code) => {
      this.events.onEnd({ code, framesRead: this.framesRead, log: this.log, ...(this.spawnError ? { spawnError: this.spawnError } : {}) });
    });
  }

  resume(): void {
    this.proc.stdout.resume();
  }

  kill(): void {
    this.killed = true;
    this.proc.kill('SIGKILL');
  }

  private tryHeader(): void {
    const info = parseOutputInfo(this.log);
    if (!info) return;
    this.frameBytes = info.width * info.height * 3;
    this.events.onInfo(info);
    const pending = this.pending;
    this.pending = [];
    for (const chunk of pending) this.consume(chunk);
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      this.partial ??= new Uint8Array(this.frameBytes);
      const n = Math.min(this.frameBytes - this.filled, chunk.length - offset);
      this.partial.set(chunk.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameBytes) {
        const frame = this.partial;
        this.partial = undefined;
        this.filled = 0;
        this.framesRead += 1;
        if (!this.events.onFrame(frame) && !this.killed) this.proc.stdout.pause();
      }
    }
  }
}
