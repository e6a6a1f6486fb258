import type { Detection, ImageResult } from '../types.js';
import { ByteTracker } from './byte-tracker.js';
import type { TrackerOptions } from './options.js';

export { ByteTracker, type TrackInput, type TrackOutput } from './byte-tracker.js';
export { linearAssignment, solveSquareAssignment, type Assignment } from './linear-assignment.js';
export { resolveTrackerOptions, type ByteTrackOptions, type TrackerName, type TrackerOptions } from './options.js';

/** A tracked detection: the filtered box and a stable id; its mask is the matched detection's. */
export interface TrackedDetection extends Detection {
  trackId: number;
}

/**
 * Per-stream tracking as Ultralytics' track.py applies it to one frame's result: no detections ->
 * the tracker is not stepped; no tracks out -> the detections are returned as they were (no ids);
 * otherwise the tracked detections, in the tracker's order, each with the tracker's box (clipped to
 * the image) and score.
 */
export class FrameTracker {
  private readonly tracker: ByteTracker;

  constructor(options: TrackerOptions) {
    this.tracker = new ByteTracker(options);
  }

  apply(result: ImageResult): ImageResult {
    if (result.detections.length === 0) return result;
    const tracks = this.tracker.update(result.detections);
    if (tracks.length === 0) return result;
    const detections: TrackedDetection[] = tracks.map((t) => {
      const d = result.detections[t.index]!;
      // Results.update clips the tracker's boxes to the image
      const box: [number, number, number, number] = [clip(t.box[0], result.width), clip(t.box[1], result.height), clip(t.box[2], result.width), clip(t.box[3], result.height)];
      return { ...d, box, score: t.score, classId: t.classId, trackId: t.trackId };
    });
    return { ...result, detections };
  }
}

function clip(v: number, max: number): number {
  return Math.min(Math.max(v, 0), max);
}
