import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { YoloeTrtError } from '../errors.js';
import { decodeImage } from '../image/decode.js';
import type { ImageInput } from '../types.js';
import { FfmpegRun, ffmpegReason, type FfmpegInput } from './ffmpeg.js';
import { FrameBuffer, type BackPressurePolicy, type Frame, type FrameQueue } from './frame-buffer.js';
import type { ResolvedStreamOptions } from './options.js';

/** What model.stream() reads: a video file, an RTSP/HTTP/... URL, a V4L2 device, an image folder or glob, or frames you produce. */
export type StreamSource = string | AsyncIterable<ImageInput> | Iterable<ImageInput>;

/** A producer of frames, read through its queue. */
export interface FrameSource {
  readonly buffer: FrameQueue;
  readonly live: boolean;
  /** frames per second of the source (reported by ffmpeg, or the `fps` option) */
  fps: number;
  reconnects: number;
  /** frames expected in all (files: duration x fps; folders: the file count), when known */
  expectedFrames?: number;
  /** a live source that broke for good without an exception: why */
  endReason?: string;
  /** resolves when frames can flow; rejects with a typed error when the source cannot be opened */
  open(): Promise<void>;
  close(): void;
}

const IMAGE_EXTS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif']);
const VIDEO_EXTS = /\.(mp4|m4v|mkv|mov|avi|webm|ts|mts|mpg|mpeg|flv|wmv|mjpeg|mjpg|h264|h265|hevc|gif)$/i;
const LIVE_URL = /^(rtsp|rtsps|rtmp|rtmps|udp|tcp|srt|rtp):\/\//i;
/** live inputs: no input buffering, and probe half a second rather than ffmpeg's 5 s before the first frame */
const LIVE_INPUT_ARGS = ['-fflags', 'nobuffer', '-analyzeduration', '500000', '-probesize', '500000'];

/** Opens a source of any kind under the resolved options (not yet started: call open()). */
export async function createSource(source: StreamSource, options: ResolvedStreamOptions): Promise<FrameSource> {
  if (typeof source !== 'string') {
    if (source && (typeof (source as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function' || typeof (source as Iterable<unknown>)[Symbol.iterator] === 'function')) {
      return new IterableSource(source, options);
    }
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a file path, URL, device, folder, glob or an (async) iterable of frames for source but received ${typeof source}`, { option: 'source' });
  }
  if (source.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a non-empty source but received ""', { option: 'source' });
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
    const live = options.live ?? (LIVE_URL.test(source) || !VIDEO_EXTS.test(new URL(source).pathname));
    const inputArgs = [...(live ? LIVE_INPUT_ARGS : []), ...(/^rtsps?:/i.test(source) ? ['-rtsp_transport', options.rtspTransport] : [])];
    return new FfmpegSource({ input: source, inputArgs: [...inputArgs, ...options.ffmpegInputArgs], ...scaleOf(options) }, live, options);
  }
  if (/^\/dev\/video\d+$/.test(source)) {
    return new FfmpegSource({ input: source, inputArgs: ['-f', 'v4l2', ...LIVE_INPUT_ARGS, ...options.ffmpegInputArgs], ...scaleOf(options) }, options.live ?? true, options);
  }
  if (/[*?]/.test(basename(source))) return new FolderSource(await globFiles(source), options);
  const info = await stat(source).catch(() => undefined);
  if (!info) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Video source not found: ${source}`, { path: source });
  if (info.isDirectory()) return new FolderSource(await folderFiles(source), options);
  if (IMAGE_EXTS.has(extname(source).toLowerCase())) return new FolderSource([source], options);
  const realtime = options.realtime ? ['-re'] : [];
  const loop = options.loop ? ['-stream_loop', '-1'] : [];
  return new FfmpegSource({ input: source, inputArgs: [...realtime, ...loop, ...options.ffmpegInputArgs], ...scaleOf(options) }, options.live ?? options.realtime, options);
}

function scaleOf(options: ResolvedStreamOptions): Pick<FfmpegInput, 'scale'> {
  return options.scale ? { scale: options.scale } : {};
}

/** A video file, URL or device decoded by ffmpeg; live sources reopen with back-off when asked to. */
class FfmpegSource implements FrameSource, FrameQueue {
  readonly buffer: FrameQueue = this;
  fps = 0;
  reconnects = 0;
  endReason?: string;
  expectedFrames?: number;
  private run?: FfmpegRun;
  private closed = false;
  private ended = false;
  private failure?: YoloeTrtError;
  /** frames and drops of the runs before this one (reconnects) */
  private base = { frames: 0, dropped: 0 };
  private openedAt = 0;
  private failures = 0;
  private timer?: NodeJS.Timeout;
  private everOpened = false;
  private size?: { width: number; height: number };
  private waiters: (() => void)[] = [];
  private readonly policy: BackPressurePolicy;
  private readonly capacity: number;

  constructor(private readonly input: FfmpegInput, readonly live: boolean, private readonly options: ResolvedStreamOptions) {
    this.policy = options.policy ?? (live ? 'latest' : 'all');
    this.capacity = this.policy === 'latest' ? 1 : options.bufferSize;
  }

  get hasFrame(): boolean {
    return this.run?.hasFrame ?? false;
  }

  get done(): boolean {
    return this.ended;
  }

  get error(): unknown {
    return this.failure;
  }

  get decoded(): number {
    return this.base.frames + (this.run?.decoded ?? 0);
  }

  get dropped(): number {
    return this.base.dropped + (this.run?.dropped ?? 0);
  }

  ready(): Promise<void> {
    if (this.hasFrame || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async take(): Promise<Frame | undefined> {
    const base = this.base.frames; // a run that ends while this take is answered moves the base on
    const raw = await this.run?.take();
    if (!raw || !this.size) return undefined;
    const index = base + raw.seq;
    const time = this.live ? (raw.at - this.openedAt) / 1000 : index / this.fps;
    return { image: { data: raw.data, ...this.size }, index, time, decodedAt: raw.at, capturedAt: Date.now() - (performance.now() - raw.at) };
  }

  open(): Promise<void> {
    return new Promise((resolveOpen, rejectOpen) => this.start(resolveOpen, rejectOpen));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.run?.kill();
    this.end(undefined);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private end(error: YoloeTrtError | undefined): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wake();
  }

  private start(onOpen?: () => void, onFail?: (e: unknown) => void): void {
    const run: FfmpegRun = new FfmpegRun(this.input, this.policy, this.capacity, {
      onInfo: (info) => {
        this.size = { width: info.width, height: info.height };
        this.fps = info.fps || this.options.fps || 30;
        if (info.duration && !this.live && !this.options.loop) this.expectedFrames = Math.round(info.duration * this.fps);
        if (!this.everOpened) this.openedAt = performance.now();
        this.everOpened = true;
        onOpen?.();
      },
      onReady: () => {
        this.failures = 0;
        this.wake();
      },
      onEnd: ({ code, framesRead, log, spawnError }) => {
        if (this.run !== run) return;
        this.base = { frames: this.base.frames + run.decoded, dropped: this.base.dropped + run.dropped };
        this.run = undefined;
        if (this.closed) return;
        const failure = spawnError ?? (code === 0 && framesRead > 0 ? undefined : this.openError(log, code, framesRead));
        if (spawnError) return this.finish(spawnError, onFail);
        if (this.live && this.options.reconnect && this.failures < this.options.reconnect.retries) {
          // a live source that ended or broke: reopen after an exponential back-off
          const delay = Math.min(this.options.reconnect.maxDelayMs, this.options.reconnect.minDelayMs * 2 ** this.failures);
          this.failures += 1;
          this.timer = setTimeout(() => {
            if (this.closed) return;
            this.reconnects += 1;
            this.start(onOpen, onFail);
          }, delay);
          return;
        }
        if (!this.everOpened || !this.live) return this.finish(failure, onFail);
        // a live source that broke after delivering frames ends cleanly; the reason is kept in its stats
        this.endReason = failure ? failure.message : 'the live source ended';
        this.finish(undefined, onFail);
      },
    });
    this.run = run;
  }

  private finish(error: YoloeTrtError | undefined, onFail?: (e: unknown) => void): void {
    if (error && !this.everOpened) onFail?.(error);
    this.end(this.everOpened ? error : undefined);
  }

  private openError(log: string, code: number | null, framesRead: number): YoloeTrtError {
    const what = framesRead > 0 ? `ffmpeg stopped reading ${this.input.input} after ${framesRead} frames` : `Cannot open video source ${this.input.input}`;
    return new YoloeTrtError('ERR_SOURCE', `${what} (ffmpeg exit ${code}): ${ffmpegReason(log)}`, { source: this.input.input, exitCode: code });
  }
}

/** Image files decoded one by one with sharp (the same decoder as detect()), at the `fps` option's rate on the timeline. */
class FolderSource implements FrameSource {
  readonly buffer: FrameBuffer;
  readonly live = false;
  fps: number;
  reconnects = 0;
  private closed = false;

  readonly expectedFrames: number;

  constructor(private readonly files: string[], options: ResolvedStreamOptions) {
    this.buffer = new FrameBuffer(options.policy ?? 'all', options.bufferSize);
    this.fps = options.fps ?? 30;
    this.expectedFrames = files.length;
  }

  async open(): Promise<void> {
    void this.pump();
  }

  close(): void {
    this.closed = true;
    this.buffer.end();
  }

  private async pump(): Promise<void> {
    try {
      for (let i = 0; i < this.files.length && !this.closed; i++) {
        await this.buffer.waitForSpace();
        const image = await decodeImage(this.files[i]!);
        const now = performance.now();
        this.buffer.push({ image, index: i, time: i / this.fps, decodedAt: now, capturedAt: Date.now() });
      }
      this.buffer.end();
    } catch (err) {
      this.buffer.end(err);
    }
  }
}

/** Frames from the caller's (async) iterable; `all` pulls only when there is room, `latest` pulls as fast as they come. */
class IterableSource implements FrameSource {
  readonly buffer: FrameBuffer;
  readonly live: boolean;
  fps: number;
  reconnects = 0;
  private closed = false;
  private iterator?: AsyncIterator<ImageInput> | Iterator<ImageInput>;

  constructor(private readonly frames: AsyncIterable<ImageInput> | Iterable<ImageInput>, options: ResolvedStreamOptions) {
    this.live = options.live ?? false;
    this.buffer = new FrameBuffer(options.policy ?? (this.live ? 'latest' : 'all'), options.bufferSize);
    this.fps = options.fps ?? 30;
  }

  async open(): Promise<void> {
    const f = this.frames as AsyncIterable<ImageInput> & Iterable<ImageInput>;
    this.iterator = typeof f[Symbol.asyncIterator] === 'function' ? f[Symbol.asyncIterator]() : f[Symbol.iterator]();
    void this.pump();
  }

  close(): void {
    this.closed = true;
    void this.iterator?.return?.();
    this.buffer.end();
  }

  private async pump(): Promise<void> {
    const openedAt = performance.now();
    try {
      for (let i = 0; !this.closed; i++) {
        await this.buffer.waitForSpace();
        const next = await this.iterator!.next();
        if (next.done || this.closed) break;
        const image = await decodeImage(next.value);
        const now = performance.now();
        this.buffer.push({ image, index: i, time: this.live ? (now - openedAt) / 1000 : i / this.fps, decodedAt: now, capturedAt: Date.now() });
      }
      this.buffer.end();
    } catch (err) {
      this.buffer.end(err);
    }
  }
}

async function folderFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => IMAGE_EXTS.has(extname(n).toLowerCase())).sort();
  if (names.length === 0) throw new YoloeTrtError('ERR_SOURCE', `No images (${[...IMAGE_EXTS].join(' ')}) in folder ${dir}`, { source: dir });
  return names.map((n) => join(dir, n));
}

/** `dir/*.jpg`-style globs: wildcards (* and ?) in the last path component only. */
async function globFiles(pattern: string): Promise<string[]> {
  const dir = dirname(pattern);
  const re = new RegExp(`^${basename(pattern).replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const names = await readdir(dir).catch(() => {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Folder of the glob ${pattern} not found: ${resolve(dir)}`, { path: dir });
  });
  const files = names.filter((n) => re.test(n) && IMAGE_EXTS.has(extname(n).toLowerCase())).sort();
  if (files.length === 0) throw new YoloeTrtError('ERR_SOURCE', `No images match ${pattern}`, { source: pattern });
  return files.map((n) => join(dir, n));
}

export type { BackPressurePolicy };
