/** Per-stream counters, as `stream.stats()` reports them. */
export interface StreamStats {
  /** frames the source produced */
  decoded: number;
  /** frames that went through the model */
  processed: number;
  /** frames replaced in the buffer before the model took them (policy 'latest') */
  dropped: number;
  /** processed frames per second of wall time since the stream opened */
  fps: number;
  /** decode-to-result latency in ms over the last 1,024 frames */
  latencyMs: { p50: number; p95: number };
  /** times a live source was reopened after breaking */
  reconnects: number;
  /** the source's frame rate (ffmpeg's report, or the `fps` option) */
  sourceFps: number;
  /** frames the source should deliver in all, when known (files, folders): for progress */
  expectedFrames?: number;
  /** why the stream ended, when it has: the error message of a source that broke for good */
  error?: string;
  ended: boolean;
}

const WINDOW = 1024;

/** Latency samples in a fixed ring: memory stays flat however long a stream runs. */
export class LatencyWindow {
  private readonly samples = new Float64Array(WINDOW);
  private count = 0;

  add(ms: number): void {
    this.samples[this.count % WINDOW] = ms;
    this.count += 1;
  }

  /** Nearest-rank percentiles of the window (0 when empty). */
  percentiles(): { p50: number; p95: number } {
    const n = Math.min(this.count, WINDOW);
    if (n === 0) return { p50: 0, p95: 0 };
    const sorted = this.samples.slice(0, n).sort();
    const at = (p: number) => sorted[Math.min(n - 1, Math.ceil(p * n) - 1)]!;
    return { p50: at(0.5), p95: at(0.95) };
  }
}
