import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
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
  /** a frame is waiting in the reader (after none was) */
  onReady(): void;
  /** the process ended; `spawnError` when it could not start */
  onEnd(result: { code: number | null; framesRead: number; log: string; spawnError?: YoloeTrtError }): void;
}

/** A decoded frame handed over by the reader: `at` is when it was complete, in this thread's performance.now() time. */
export interface RawFrame {
  data: Uint8Array;
  seq: number;
  at: number;
}

/**
 * One ffmpeg process decoding to raw RGB, run and drained by a worker thread
 * (pipe-reader-worker.ts) that applies the back-pressure policy; frames are pulled with take().
 */
export class FfmpegRun {
  private readonly worker: Worker;
  private log = '';
  private headerDone = false;
  private spawnError?: YoloeTrtError;
  private takers: ((f: RawFrame | undefined) => void)[] = [];
  private ended = false;
  private exitCode?: number | null;
  private killed = false;
  hasFrame = false;
  decoded = 0;
  dropped = 0;

  constructor(input: FfmpegInput, policy: 'latest' | 'all', capacity: number, private readonly events: FfmpegRunEvents) {
    const exe = ffmpegPath();
    this.worker = new Worker(readerWorkerPath(), { workerData: { exe, args: ffmpegArgs(input), policy, capacity }, env: process.env });
    this.worker.on('message', (m: WorkerMessage) => this.onMessage(m, exe));
    this.worker.on('error', (err) => {
      this.spawnError = new YoloeTrtError('ERR_SOURCE', `The ffmpeg reader thread failed: ${err.message}`, { source: input.input }, { cause: err });
      this.finish(null);
    });
    // referenced while it runs (it is what a waiting stream waits on); terminated when the run completes or is killed
    this.worker.on('exit', () => this.finish(null));
  }

  /** The next frame the policy keeps (oldest for 'all', newest for 'latest'), undefined when none is waiting. */
  take(): Promise<RawFrame | undefined> {
    if (this.ended) return Promise.resolve(undefined);
    this.hasFrame = false;
    return new Promise((resolve) => {
      this.takers.push(resolve);
      this.worker.postMessage({ t: 'take' });
    });
  }

  /** Stops ffmpeg; the reader thread exits once it has (frames it still holds are discarded). */
  kill(): void {
    this.killed = true;
    this.worker.postMessage({ t: 'kill' });
  }

  private onMessage(m: WorkerMessage, exe: string): void {
    if (m.t === 'log') {
      // keep the header whole until it is parsed, then only a tail for error messages
      this.log = this.headerDone ? (this.log + m.text).slice(-8192) : this.log + m.text;
      if (!this.headerDone) {
        const info = parseOutputInfo(this.log);
        if (info) {
          this.headerDone = true;
          this.worker.postMessage({ t: 'size', frameBytes: info.width * info.height * 3 });
          this.events.onInfo(info);
        }
      }
    } else if (m.t === 'ready') {
      this.hasFrame = true;
      this.events.onReady();
    } else if (m.t === 'frame') {
      this.decoded = m.decoded;
      this.dropped = m.dropped;
      this.hasFrame = m.remaining > 0;
      const frame = m.data ? { data: m.data, seq: m.seq!, at: m.at! - performance.timeOrigin } : undefined;
      this.takers.shift()?.(frame);
      if (this.exitCode !== undefined && m.remaining === 0) this.complete();
    } else if (m.t === 'spawn-error') {
      this.spawnError = m.code === 'ENOENT'
        ? new YoloeTrtError('ERR_FFMPEG_NOT_FOUND', `ffmpeg was not found (tried ${JSON.stringify(exe)}): install it (apt-get install ffmpeg) or set YOLOE_TRT_FFMPEG to its path`, { ffmpeg: exe })
        : new YoloeTrtError('ERR_SOURCE', `Cannot start ffmpeg (${exe}): ${m.message}`, { ffmpeg: exe });
    } else if (m.t === 'end') {
      // ffmpeg is done; the frames the reader still holds are delivered before the run ends
      this.decoded = m.decoded;
      this.dropped = m.dropped;
      this.exitCode = m.code;
      if (m.remaining === 0 || this.killed) this.complete();
      else if (!this.hasFrame) {
        this.hasFrame = true;
        this.events.onReady();
      }
    }
  }

  private complete(): void {
    this.finish(this.exitCode ?? null);
    void this.worker.terminate();
  }

  private finish(code: number | null): void {
    if (this.ended) return;
    this.ended = true;
    this.hasFrame = false;
    for (const t of this.takers) t(undefined);
    this.takers = [];
    this.events.onEnd({ code, framesRead: this.decoded, log: this.log, ...(this.spawnError ? { spawnError: this.spawnError } : {}) });
  }
}

type WorkerMessage =
  | { t: 'log'; text: string }
  | { t: 'ready' }
  | { t: 'frame'; data: Uint8Array | null; seq?: number; at?: number; decoded: number; dropped: number; remaining: number }
  | { t: 'spawn-error'; code?: string; message: string }
  | { t: 'end'; code: number | null; decoded: number; dropped: number; remaining: number };

/**
 * The compiled reader: beside this file in dist/; when running from the TypeScript sources
 * (tests), the copy `npm run build:ts` put in dist/.
 */
function readerWorkerPath(): string {
  const here = fileURLToPath(new URL('./pipe-reader-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../dist/stream/pipe-reader-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new YoloeTrtError('ERR_SOURCE', `The ffmpeg reader ${here} is missing: run npm run build:ts`, { path: here });
}
