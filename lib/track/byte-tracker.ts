import { fuseScore, iouDistance } from './iou-distance.js';
import { linearAssignment } from './linear-assignment.js';
import { STrack, TrackState } from './strack.js';
import { XYAH, XYWH, type MotionModel } from './kalman.js';
import type { TrackerOptions } from './options.js';

/** One detection handed to a tracker: xyxy box, score, class, its index in the frame. */
export interface TrackInput {
  box: ArrayLike<number>;
  score: number;
  classId: number;
}

/** A track output by update(): the filtered box (float32, as Ultralytics returns it) and the detection it matched. */
export interface TrackOutput {
  box: [number, number, number, number];
  trackId: number;
  score: number;
  classId: number;
  /** index of the matched detection in the frame's input */
  index: number;
}

const f = Math.fround;

/**
 * ByteTrack as Ultralytics' BYTETracker (ultralytics/trackers/byte_tracker.py), and with
 * tracker 'botsort-lite' Ultralytics' BOTSORT without global motion compensation and without ReID
 * (what BOTSORT.update does when given no image: the same association with BOTrack's XYWH Kalman
 * filter). High-score
 * detections first (IoU, fused with the score), then low-score ones against the tracks left
 * (IoU, threshold 0.5), unconfirmed tracks (threshold 0.7), births above new_track_thresh, lost
 * tracks removed after max_time_lost frames, duplicates between tracked and lost dropped.
 * Ids count from 1 per tracker.
 */
export class ByteTracker {
  private tracked: STrack[] = [];
  private lost: STrack[] = [];
  private removed: STrack[] = [];
  private frameId = 0;
  private lastId = 0;
  private readonly maxTimeLost: number;
  private readonly nextId = () => ++this.lastId;
  private readonly motion: MotionModel;

  constructor(private readonly opts: TrackerOptions) {
    this.maxTimeLost = Math.trunc((opts.frameRate / 30) * opts.trackBuffer);
    this.motion = opts.tracker === 'botsort-lite' ? XYWH : XYAH;
  }

  /** Frames seen so far (update() calls). */
  get frameCount(): number {
    return this.frameId;
  }

  update(dets: TrackInput[]): TrackOutput[] {
    const o = this.opts;
    this.frameId += 1;
    const activated: STrack[] = [];
    const refind: STrack[] = [];
    const lostNow: STrack[] = [];
    const removedNow: STrack[] = [];

    // thresholds compare in float32, as numpy does for a float32 array against a Python float
    const high = f(o.trackHighThresh);
    const low = f(o.trackLowThresh);
    const detections: STrack[] = [];
    const second: STrack[] = [];
    dets.forEach((d, i) => {
      const s = f(d.score);
      if (s >= high) detections.push(new STrack(this.motion, d.box, d.score, d.classId, i));
      else if (s > low) second.push(new STrack(this.motion, d.box, d.score, d.classId, i));
    });

    const unconfirmed = this.tracked.filter((t) => !t.isActivated);
    const trackedStracks = this.tracked.filter((t) => t.isActivated);
    // Step 2: first association, high-score detections against tracked and lost tracks
    const pool = jointStracks(trackedStracks, this.lost);
    for (const t of pool) t.predict();
    const first = linearAssignment(this.dists(pool, detections), pool.length, detections.length, o.matchThresh);
    this.applyMatches(first.matches, pool, detections, activated, refind);
    // Step 3: second association, low-score detections against the still-tracked leftovers
    const rTracked = first.unmatchedRows.map((i) => pool[i]!).filter((t) => t.state === TrackState.Tracked);
    const secondMatch = linearAssignment(iouDistance(rTracked.map((t) => t.xyxy), second.map((d) => d.xyxy)), rTracked.length, second.length, 0.5);
    this.applyMatches(secondMatch.matches, rTracked, second, activated, refind);
    for (const it of secondMatch.unmatchedRows) {
      const track = rTracked[it]!;
      if (track.state !== TrackState.Lost) {
        track.state = TrackState.Lost;
        lostNow.push(track);
      }
    }
    // unconfirmed tracks (one frame old) against the high-score detections left
    const left = first.unmatchedCols.map((i) => detections[i]!);
    const third = linearAssignment(this.dists(unconfirmed, left), unconfirmed.length, left.length, 0.7);
    for (const [it, id] of third.matches) {
      unconfirmed[it]!.update(left[id]!, this.frameId);
      activated.push(unconfirmed[it]!);
    }
    for (const it of third.unmatchedRows) {
      unconfirmed[it]!.state = TrackState.Removed;
      removedNow.push(unconfirmed[it]!);
    }
    // Step 4: births (a Python float comparison of a numpy float32 scalar: float64)
    for (const inew of third.unmatchedCols) {
      const track = left[inew]!;
      if (track.score < o.newTrackThresh) continue;
      track.activate(this.frameId, this.nextId);
      activated.push(track);
    }
    // Step 5: lost tracks past their time
    for (const track of this.lost) {
      if (this.frameId - track.endFrame > this.maxTimeLost) {
        track.state = TrackState.Removed;
        removedNow.push(track);
      }
    }

    this.tracked = this.tracked.filter((t) => t.state === TrackState.Tracked);
    this.tracked = jointStracks(this.tracked, activated);
    this.tracked = jointStracks(this.tracked, refind);
    this.lost = subStracks(this.lost, this.tracked);
    this.lost.push(...lostNow);
    this.lost = subStracks(this.lost, this.removed);
    [this.tracked, this.lost] = removeDuplicates(this.tracked, this.lost);
    this.removed.push(...removedNow);
    if (this.removed.length > 1000) this.removed = this.removed.slice(-999);

    return this.tracked.filter((t) => t.isActivated).map((t) => {
      const [x1, y1, x2, y2] = t.xyxy;
      return { box: [f(x1), f(y1), f(x2), f(y2)], trackId: t.trackId, score: t.score, classId: t.cls, index: t.idx };
    });
  }

  /** Matched tracks take their detection: tracked ones are updated, lost ones re-found. */
  private applyMatches(matches: [number, number][], tracks: STrack[], dets: STrack[], activated: STrack[], refind: STrack[]): void {
    for (const [it, id] of matches) {
      const track = tracks[it]!;
      if (track.state === TrackState.Tracked) {
        track.update(dets[id]!, this.frameId);
        activated.push(track);
      } else {
        track.reActivate(dets[id]!, this.frameId);
        refind.push(track);
      }
    }
  }

  private dists(tracks: STrack[], dets: STrack[]): Float32Array {
    const cost = iouDistance(tracks.map((t) => t.xyxy), dets.map((d) => d.xyxy));
    return this.opts.fuseScore ? fuseScore(cost, tracks.length, dets.map((d) => d.score)) : cost;
  }
}

function jointStracks(a: STrack[], b: STrack[]): STrack[] {
  const seen = new Set(a.map((t) => t.trackId));
  const out = [...a];
  for (const t of b) {
    if (!seen.has(t.trackId)) {
      seen.add(t.trackId);
      out.push(t);
    }
  }
  return out;
}

function subStracks(a: STrack[], b: STrack[]): STrack[] {
  const ids = new Set(b.map((t) => t.trackId));
  return a.filter((t) => !ids.has(t.trackId));
}

/** Tracked and lost tracks closer than IoU 0.85: the younger of each pair goes. */
function removeDuplicates(a: STrack[], b: STrack[]): [STrack[], STrack[]] {
  const dist = iouDistance(a.map((t) => t.xyxy), b.map((t) => t.xyxy));
  const limit = f(0.15);
  const dropA = new Set<number>();
  const dropB = new Set<number>();
  for (let p = 0; p < a.length; p++) {
    for (let q = 0; q < b.length; q++) {
      if (!(dist[p * b.length + q]! < limit)) continue;
      const timeP = a[p]!.frameId - a[p]!.startFrame;
      const timeQ = b[q]!.frameId - b[q]!.startFrame;
      if (timeP > timeQ) dropB.add(q);
      else dropA.add(p);
    }
  }
  return [a.filter((_, i) => !dropA.has(i)), b.filter((_, i) => !dropB.has(i))];
}
