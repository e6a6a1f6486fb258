import type { RgbImage } from '../types.js';

/** A decoded frame waiting for the model. */
export interface Frame {
  image: RgbImage;
  /** 0-based index in the source (counting dropped frames) */
  index: number;
  /** seconds on the source's timeline (index / fps for files and folders; since opening for live sources) */
  time: number;
  /** performance.now() when decoding finished: the start of the latency measurement */
  decodedAt: number;
  /** Date.now() when decoding finished */
  capturedAt: number;
}

export type BackPressurePolicy = 'latest' | 'all';

/** What a stream group reads a source through: a readiness flag, a (possibly async) take, and counters. */
export interface FrameQueue {
  /** a frame can be taken now */
  readonly hasFrame: boolean;
  /** ended and drained */
  readonly done: boolean;
  /** why the source ended, when it failed */
  readonly error: unknown;
  /** frames the source produced */
  readonly decoded: number;
  /** frames replaced before the model took them */
  readonly dropped: number;
  /** resolves when a frame is ready or the source ended */
  ready(): Promise<void>;
  take(): Frame | undefined | Promise<Frame | undefined>;
}

/**
 * Frames between a decoder and the model. `all` holds up to `capacity` frames and reports when
 * it is full so that the producer pauses (ffmpeg then blocks on its pipe); `latest` holds one
 * frame and a newer one replaces it, counting the replaced one as dropped. Never unbounded.
 */
export class FrameBuffer implements FrameQueue {
  private readonly frames: Frame[] = [];
  private waiters: (() => void)[] = [];
  private spaceWaiters: (() => void)[] = [];
  private ended = false;
  private failure: unknown;
  dropped = 0;
  decoded = 0;

  constructor(readonly policy: BackPressurePolicy, readonly capacity = policy === 'latest' ? 1 : 4) {}

  /** Adds a frame; returns false when an `all` buffer is now full (the producer should wait for space). */
  push(frame: Frame): boolean {
    if (this.ended) return false;
    this.decoded += 1;
    if (this.policy === 'latest' && this.frames.length >= this.capacity) {
      this.frames.shift();
      this.dropped += 1;
    }
    this.frames.push(frame);
    this.wake();
    return this.policy === 'latest' || this.frames.length < this.capacity;
  }

  /** Resolves when an `all` buffer has room again (at once for `latest`). */
  waitForSpace(): Promise<void> {
    if (this.policy === 'latest' || this.frames.length < this.capacity || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.spaceWaiters.push(resolve));
  }

  /** The oldest frame, undefined when none is ready now. */
  take(): Frame | undefined {
    const frame = this.frames.shift();
    if (frame && this.frames.length < this.capacity) {
      const waiters = this.spaceWaiters;
      this.spaceWaiters = [];
      for (const w of waiters) w();
    }
    return frame;
  }

  get size(): number {
    return this.frames.length;
  }

  get hasFrame(): boolean {
    return this.frames.length > 0;
  }

  /** True once ended and drained. */
  get done(): boolean {
    return this.ended && this.frames.length === 0;
  }

  get error(): unknown {
    return this.failure;
  }

  /** Resolves when a frame is ready or the producer ended. */
  ready(): Promise<void> {
    if (this.frames.length > 0 || this.ended) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** No more frames; `error` when the source failed (it is raised after the frames already decoded). */
  end(error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.failure = error;
    this.wake();
    for (const w of this.spaceWaiters) w();
    this.spaceWaiters = [];
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
