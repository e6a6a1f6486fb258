import { invalidOption } from '../errors.js';
import { optBoolean, optEnum, optNumber, optObject } from '../validate.js';

/** 'bytetrack': Ultralytics' BYTETracker; 'botsort-lite': Ultralytics' BOTSORT without GMC and without ReID */
export type TrackerName = 'bytetrack' | 'botsort-lite';

/** Tracker settings, with the defaults of Ultralytics' bytetrack.yaml (botsort.yaml has the same ones). */
export interface ByteTrackOptions {
  /** detections at or above this score enter the first association; default 0.25 (track_high_thresh) */
  trackHighThresh: number;
  /** detections above this (and below trackHighThresh) enter the second association; default 0.1 (track_low_thresh) */
  trackLowThresh: number;
  /** an unmatched detection at or above this starts a track; default 0.25 (new_track_thresh) */
  newTrackThresh: number;
  /** frames a lost track is kept (at 30 fps); default 30 (track_buffer) */
  trackBuffer: number;
  /** cost limit of the first association; default 0.8 (match_thresh) */
  matchThresh: number;
  /** multiply IoU by the detection score before matching; default true (fuse_score) */
  fuseScore: boolean;
  /**
   * frame rate that scales trackBuffer (max_time_lost = trunc(frameRate / 30 * trackBuffer)); default 30,
   * which is what Ultralytics' track.py passes whatever the source's rate
   */
  frameRate: number;
}

export type TrackerOptions = { tracker: TrackerName } & ByteTrackOptions;

/** Validates `track` (true | 'bytetrack' | 'botsort-lite' | false) and `trackerOptions` into one settings object, or undefined. */
export function resolveTrackerOptions(track: unknown, options: unknown): TrackerOptions | undefined {
  if (track === undefined || track === false) return undefined;
  if (track !== true && track !== 'bytetrack' && track !== 'botsort-lite') throw invalidOption('track', "'bytetrack', 'botsort-lite', true or false", track);
  const o = optObject('trackerOptions', options);
  const unknown = Object.keys(o).find((k) => !TRACKER_KEYS.includes(k));
  if (unknown) throw invalidOption(`trackerOptions.${unknown}`, `one of ${TRACKER_KEYS.join(', ')}`, unknown);
  const n = (key: string, dflt: number, min: number, max: number, integer = false) =>
    optNumber(`trackerOptions.${key}`, o[key], dflt, min, max, { integer });
  return {
    tracker: optEnum('track', track === true ? 'bytetrack' : track, ['bytetrack', 'botsort-lite'] as const, 'bytetrack'),
    trackHighThresh: n('trackHighThresh', 0.25, 0, 1),
    trackLowThresh: n('trackLowThresh', 0.1, 0, 1),
    newTrackThresh: n('newTrackThresh', 0.25, 0, 1),
    trackBuffer: n('trackBuffer', 30, 0, 100000, true),
    matchThresh: n('matchThresh', 0.8, 0, 2),
    fuseScore: optBoolean('trackerOptions.fuseScore', o.fuseScore, true),
    frameRate: n('frameRate', 30, 1, 1000),
  };
}

const TRACKER_KEYS = ['trackHighThresh', 'trackLowThresh', 'newTrackThresh', 'trackBuffer', 'matchThresh', 'fuseScore', 'frameRate'];
