import { invalidOption } from '../errors.js';
import { optBoolean, optEnum, optNumber, optObject } from '../validate.js';
import { resolveTrackerOptions, type TrackerOptions } from '../track/options.js';
import type { DetectOptions } from '../model.js';
import type { BackPressurePolicy } from './frame-buffer.js';

/** Options of model.stream() and StreamGroup: the detect() options plus these. */
export interface StreamOptions extends DetectOptions {
  /**
   * 'latest' keeps only the newest decoded frame (frames the model had no time for are dropped and
   * counted); 'all' processes every frame, pausing the decoder. Default: 'latest' for live sources
   * (URLs, devices, `realtime` files), 'all' for files, folders and iterables.
   */
  policy?: BackPressurePolicy;
  /** frames an 'all' buffer holds before the decoder waits; default 4 ('latest' always holds 1) */
  bufferSize?: number;
  /** 'bytetrack' (or true) assigns track ids as Ultralytics' BYTETracker, 'botsort-lite' as its BOTSORT without GMC or ReID; default false */
  track?: 'bytetrack' | 'botsort-lite' | boolean;
  /** ByteTrack settings (defaults of bytetrack.yaml): trackHighThresh, trackLowThresh, newTrackThresh, trackBuffer, matchThresh, fuseScore, frameRate */
  trackerOptions?: Partial<Omit<TrackerOptions, 'tracker'>>;
  /** frames are scaled by ffmpeg to this size before the model (results are in its pixels); default the source's size */
  scale?: { width: number; height: number };
  /** frame rate for folders and iterables (and for videos whose rate ffmpeg cannot tell); default 30 */
  fps?: number;
  /** treat the source as live (back-pressure default, timestamps from the wall clock); default: URLs and devices are live */
  live?: boolean;
  /** read a file at its native frame rate (ffmpeg -re), like a camera; implies live; default false */
  realtime?: boolean;
  /** loop a file forever (ffmpeg -stream_loop -1); default false */
  loop?: boolean;
  /** reopen a live source that ends or breaks: true, or { retries (default Infinity), minDelayMs (500), maxDelayMs (10000) }; default false */
  reconnect?: boolean | { retries?: number; minDelayMs?: number; maxDelayMs?: number };
  /** RTSP transport; default 'tcp' */
  rtspTransport?: 'tcp' | 'udp';
  /** extra ffmpeg input arguments, placed before -i (e.g. ['-video_size', '1280x720'] for a camera); default [] */
  ffmpegInputArgs?: string[];
}

export interface ResolvedStreamOptions {
  detect: DetectOptions;
  policy?: BackPressurePolicy;
  bufferSize: number;
  tracker?: TrackerOptions;
  scale?: { width: number; height: number };
  fps?: number;
  live?: boolean;
  realtime: boolean;
  loop: boolean;
  reconnect?: { retries: number; minDelayMs: number; maxDelayMs: number };
  rtspTransport: 'tcp' | 'udp';
  ffmpegInputArgs: string[];
}

const STREAM_KEYS = ['policy', 'bufferSize', 'track', 'trackerOptions', 'scale', 'fps', 'live', 'realtime', 'loop', 'reconnect', 'rtspTransport', 'ffmpegInputArgs'] as const;

export function resolveStreamOptions(options: StreamOptions = {}): ResolvedStreamOptions {
  const o = optObject('options', options) as StreamOptions;
  const detect: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (!(STREAM_KEYS as readonly string[]).includes(k)) detect[k] = v;
  const tracker = resolveTrackerOptions(o.track, o.trackerOptions);
  // Ultralytics' model.track() lowers conf to 0.1 so that ByteTrack sees its low-score detections
  if (tracker && detect.conf === undefined) detect.conf = 0.1;
  const realtime = optBoolean('realtime', o.realtime, false);
  const out: ResolvedStreamOptions = {
    detect: detect as DetectOptions,
    bufferSize: optNumber('bufferSize', o.bufferSize, 4, 1, 1024, { integer: true }),
    realtime,
    loop: optBoolean('loop', o.loop, false),
    rtspTransport: optEnum('rtspTransport', o.rtspTransport, ['tcp', 'udp'] as const, 'tcp'),
    ffmpegInputArgs: stringList('ffmpegInputArgs', o.ffmpegInputArgs),
  };
  if (o.policy !== undefined) out.policy = optEnum('policy', o.policy, ['latest', 'all'] as const, 'all');
  if (tracker) out.tracker = tracker;
  if (o.scale !== undefined) out.scale = size('scale', o.scale);
  if (o.fps !== undefined) out.fps = optNumber('fps', o.fps, 30, 0, 1000, { exclusiveMin: true });
  if (o.live !== undefined) out.live = optBoolean('live', o.live, false);
  else if (realtime) out.live = true;
  const reconnect = resolveReconnect(o.reconnect);
  if (reconnect) out.reconnect = reconnect;
  return out;
}

function size(option: string, value: unknown): { width: number; height: number } {
  const v = value as { width?: unknown; height?: unknown };
  const ok = v !== null && typeof v === 'object' && [v.width, v.height].every((n) => Number.isInteger(n) && (n as number) > 0 && (n as number) <= 16384);
  if (!ok) throw invalidOption(option, '{ width, height } with positive integers', value);
  return { width: v.width as number, height: v.height as number };
}

function stringList(option: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((s) => typeof s === 'string')) throw invalidOption(option, 'an array of strings', value);
  return value as string[];
}

function resolveReconnect(value: unknown): ResolvedStreamOptions['reconnect'] {
  if (value === undefined || value === false) return undefined;
  const o = value === true ? {} : optObject('reconnect', value) as Record<string, unknown>;
  const retries = o.retries === Infinity ? Infinity : optNumber('reconnect.retries', o.retries, Infinity, 0, 1e9, { integer: true });
  const minDelayMs = optNumber('reconnect.minDelayMs', o.minDelayMs, 500, 0, 3.6e6);
  const maxDelayMs = optNumber('reconnect.maxDelayMs', o.maxDelayMs, 10000, minDelayMs, 3.6e6);
  return { retries, minDelayMs, maxDelayMs };
}
