import { YoloeTrtError } from '../errors.js';
import type { Model } from '../model.js';
import { FrameTracker } from '../track/index.js';
import type { Detection, ImageResult, RgbImage } from '../types.js';
import type { Frame } from './frame-buffer.js';
import { resolveStreamOptions, type ResolvedStreamOptions, type StreamOptions } from './options.js';
import { createSource, type FrameSource, type StreamSource } from './sources.js';
import { LatencyWindow, type StreamStats } from './stats.js';

/** A detection of a stream frame: `trackId` when a tracker matched it. */
export type StreamDetection = Detection & { trackId?: number };

/** One frame's result from a stream. */
export interface StreamResult extends ImageResult {
  detections: StreamDetection[];
  /** index of the source in the group (0 for model.stream()) */
  source: number;
  /** 0-based frame index in the source (dropped frames count) */
  frame: number;
  /** seconds on the source's timeline: index / fps for files and folders, since opening for live sources */
  time: number;
  /** the source's frame rate */
  fps: number;
  /** Date.now() when the frame was decoded */
  capturedAt: number;
  /** decode-to-result time of this frame, ms */
  latencyMs: number;
  /** the decoded frame the detections refer to (RGB, the result's width x height) */
  image: RgbImage;
}

interface Lane {
  source: FrameSource;
  tracker?: FrameTracker;
  latency: LatencyWindow;
  processed: number;
  openedAt: number;
  error?: string;
  finished: boolean;
}

/**
 * N sources through one model: frames are taken round-robin (one per source per batch, so no
 * source starves another) and run as one batch when the model's batch allows it (a dynamic batch
 * up to `batchSize`, or the engine's static batch). Each source keeps its own buffer, policy,
 * tracker and stats. A source that fails after opening ends alone (its stats carry the error);
 * the others go on.
 * @example
 * const group = new StreamGroup(model, ['rtsp://cam1/stream', 'rtsp://cam2/stream'], { track: 'bytetrack', reconnect: true });
 * for await (const r of group) console.log(r.source, r.frame, r.detections.length);
 */
export class StreamGroup implements AsyncIterable<StreamResult> {
  private readonly options: ResolvedStreamOptions;
  private lanes: Lane[] = [];
  private opened?: Promise<void>;
  private closed = false;
  private next = 0;
  private readonly queue: StreamResult[] = [];
  /** sources whose failure is raised to the caller instead of ending quietly (model.stream's single source) */
  private readonly raiseErrors: boolean;

  constructor(private readonly model: Model, private readonly sources: StreamSource[], options: StreamOptions = {}, internal: { raiseErrors?: boolean } = {}) {
    if (!Array.isArray(sources) || sources.length === 0) {
      throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a non-empty array of sources for sources', { option: 'sources' });
    }
    this.options = resolveStreamOptions(options);
    this.raiseErrors = internal.raiseErrors ?? false;
  }

  /** Opens every source (rejects with the first typed error: ffmpeg missing, file not found, cannot open). */
  open(): Promise<void> {
    this.opened ??= (async () => {
      const created = await Promise.all(this.sources.map((s) => createSource(s, this.options)));
      this.lanes = created.map((source) => ({
        source,
        ...(this.options.tracker ? { tracker: new FrameTracker(this.options.tracker) } : {}),
        latency: new LatencyWindow(),
        processed: 0,
        openedAt: performance.now(),
        finished: false,
      }));
      try {
        await Promise.all(this.lanes.map((l) => l.source.open()));
      } catch (err) {
        this.close();
        throw err;
      }
    })();
    return this.opened;
  }

  /** Per-source counters, in source order. */
  stats(): StreamStats[] {
    return this.lanes.map((l) => {
      const seconds = (performance.now() - l.openedAt) / 1000;
      return {
        decoded: l.source.buffer.decoded,
        processed: l.processed,
        dropped: l.source.buffer.dropped,
        fps: seconds > 0 ? l.processed / seconds : 0,
        latencyMs: l.latency.percentiles(),
        reconnects: l.source.reconnects,
        sourceFps: l.source.fps,
        ...(l.source.expectedFrames ? { expectedFrames: l.source.expectedFrames } : {}),
        ...(l.error ?? l.source.endReason ? { error: l.error ?? l.source.endReason } : {}),
        ended: l.finished,
      };
    });
  }

  /** Stops every decoder; the iteration ends. */
  close(): void {
    this.closed = true;
    for (const l of this.lanes) l.source.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StreamResult> {
    try {
      await this.open();
      for (;;) {
        if (this.queue.length === 0 && !(await this.step())) return;
        while (this.queue.length > 0) yield this.queue.shift()!;
      }
    } finally {
      this.close();
    }
  }

  /** Runs one batch; false when every source has ended. */
  private async step(): Promise<boolean> {
    for (;;) {
      if (this.closed) return false;
      const live = this.lanes.filter((l) => !l.finished);
      for (const l of live) {
        if (l.source.buffer.done) {
          l.finished = true;
          const err = l.source.buffer.error;
          if (err !== undefined) {
            if (this.raiseErrors) throw err;
            l.error = (err as Error).message ?? String(err);
          }
        }
      }
      if (this.lanes.every((l) => l.finished)) return false;
      const batch = await this.takeBatch();
      if (batch.length > 0) {
        await this.runBatch(batch);
        return true;
      }
      await Promise.race(this.lanes.filter((l) => !l.finished).map((l) => l.source.buffer.ready()));
    }
  }

  private async takeBatch(): Promise<{ lane: number; frame: Frame }[]> {
    const info = this.model.info;
    const max = info.dynamicBatch ? (this.options.detect.batchSize ?? 8) : (info.batch ?? 1);
    const batch: { lane: number; frame: Frame }[] = [];
    const n = this.lanes.length;
    for (let k = 0; k < n && batch.length < max; k++) {
      const lane = (this.next + k) % n;
      const queue = this.lanes[lane]!.source.buffer;
      if (!queue.hasFrame) continue;
      const frame = await queue.take();
      if (frame) batch.push({ lane, frame });
    }
    // the next batch starts after the last source served: strict rotation among the sources with frames
    if (batch.length > 0) this.next = (batch[batch.length - 1]!.lane + 1) % n;
    return batch;
  }

  private async runBatch(batch: { lane: number; frame: Frame }[]): Promise<void> {
    const results = await this.model.detectDecoded(batch.map((b) => b.frame.image), this.options.detect);
    const now = performance.now();
    batch.forEach(({ lane, frame }, i) => {
      const l = this.lanes[lane]!;
      const result = l.tracker ? l.tracker.apply(results[i]!) : results[i]!;
      const latencyMs = now - frame.decodedAt;
      l.latency.add(latencyMs);
      l.processed += 1;
      this.queue.push({
        ...result, source: lane, frame: frame.index, time: frame.time, fps: l.source.fps, capturedAt: frame.capturedAt, latencyMs, image: frame.image,
      });
    });
  }
}

/**
 * A single source as an async iterator of results, with stats() and close(); a source that breaks
 * raises its typed error after the frames it delivered.
 */
export class VideoStream implements AsyncIterable<StreamResult> {
  private readonly group: StreamGroup;

  constructor(model: Model, source: StreamSource, options: StreamOptions = {}) {
    this.group = new StreamGroup(model, [source], options, { raiseErrors: true });
  }

  open(): Promise<void> {
    return this.group.open();
  }

  stats(): StreamStats {
    return this.group.stats()[0] ?? { decoded: 0, processed: 0, dropped: 0, fps: 0, latencyMs: { p50: 0, p95: 0 }, reconnects: 0, sourceFps: 0, ended: false };
  }

  close(): void {
    this.group.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<StreamResult> {
    return this.group[Symbol.asyncIterator]();
  }
}
