/**
 * ByteTrack against Ultralytics' own BYTETracker, and 'botsort-lite' against its BOTSORT updated without
 * an image (so without GMC; no ReID). test/golden/bytetrack.json was made with
 *   /usr/bin/python3 scripts/reference/bytetrack_golden.py /tmp/yoloe test/golden/bytetrack.json
 * (THU-MIG/yoloe fork = Ultralytics 8.3.39 trackers, Debian numpy 1.24 / scipy 1.10; lap.lapjv replaced by
 * scipy on lapjv's extended matrix, see the script). Ids, scores, classes and detection indices must be
 * identical; boxes equal to 1e-3 px (both sides round the Kalman box to float32; the float64 Kalman
 * algebra differs in operation order, ~1e-9 px before that rounding).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameTracker, linearAssignment, resolveTrackerOptions, solveSquareAssignment, type TrackedDetection } from '../lib/track/index.js';
import { YoloeTrtError } from '../lib/errors.js';

interface Scenario {
  name: string;
  tracker: 'bytetrack' | 'botsort-lite';
  options: Record<string, number | boolean>;
  frames: { dets: number[][]; tracks: number[][] }[];
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'bytetrack.json'), 'utf8')) as {
  scenarios: Scenario[];
  lsap: { cost: number[][]; cols: number[] }[];
};

const camel: Record<string, string> = {
  track_high_thresh: 'trackHighThresh', track_low_thresh: 'trackLowThresh', new_track_thresh: 'newTrackThresh',
  track_buffer: 'trackBuffer', match_thresh: 'matchThresh', fuse_score: 'fuseScore',
};

describe('ByteTracker equals Ultralytics BYTETracker (and botsort-lite its BOTSORT without GMC/ReID) on the golden sequences', () => {
  it('covers the cases it claims', () => {
    expect(golden.scenarios.map((s) => s.name)).toEqual(['smooth', 'crossing', 'occlusion', 'low-scores', 'births-deaths', 'ties', 'duplicates', 'crowd', 'crowd-options',
      'botsort-lite occlusion', 'botsort-lite low-scores', 'botsort-lite crowd']);
  });
  for (const scenario of golden.scenarios) {
    it(scenario.name, () => {
      const options = Object.fromEntries(Object.entries(scenario.options).map(([k, v]) => [camel[k]!, v]));
      // through FrameTracker, which applies the tracker per frame as track.py does (no step on an empty frame,
      // boxes clipped to the image as Results.update does: here to x, y >= 0)
      const tracker = new FrameTracker(resolveTrackerOptions(scenario.tracker, options)!);
      let maxDiff = 0;
      scenario.frames.forEach((frame, t) => {
        const detections = frame.dets.map((d, i) => ({ box: d.slice(0, 4) as [number, number, number, number], score: d[4]!, classId: d[5]!, label: `det${i}` }));
        const out = tracker.apply({ width: 100000, height: 100000, detections }).detections as TrackedDetection[];
        const tracked = out.filter((o) => o.trackId !== undefined);
        if (frame.tracks.length === 0) expect(tracked, `${scenario.name} frame ${t}`).toEqual([]);
        const ids = tracked.map((o) => [o.trackId, Number(o.label.slice(3)), o.classId, o.score]);
        expect(ids, `${scenario.name} frame ${t}`).toEqual(frame.tracks.map((r) => [r[4], r[7], r[6], r[5]]));
        tracked.forEach((o, k) => o.box.forEach((v, c) => { maxDiff = Math.max(maxDiff, Math.abs(v - Math.max(0, frame.tracks[k]![c]!))); }));
      });
      expect(maxDiff).toBeLessThan(1e-3);
    });
  }
});

describe('solveSquareAssignment equals scipy.optimize.linear_sum_assignment', () => {
  it('on matrices full of ties, the same columns', () => {
    for (const c of golden.lsap) {
      const n = c.cost.length;
      expect(Array.from(solveSquareAssignment(Float64Array.from(c.cost.flat()), n))).toEqual(c.cols);
    }
  });
  it('linearAssignment leaves pairs costlier than the limit unmatched', () => {
    const a = linearAssignment([0.1, 0.9, 0.95, 0.2, 0.3, 0.85], 2, 3, 0.8);
    expect(a.matches).toEqual([[0, 0], [1, 1]]);
    expect(a.unmatchedCols).toEqual([2]);
    expect(linearAssignment([0.9], 1, 1, 0.8)).toEqual({ matches: [], unmatchedRows: [0], unmatchedCols: [0] });
    expect(linearAssignment([], 0, 2, 0.8)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1] });
  });
});

describe('FrameTracker applies tracks to a frame as track.py does', () => {
  const opts = resolveTrackerOptions(true, {})!;
  const det = (box: [number, number, number, number], score: number) => ({ box, score, classId: 0, label: 'person' });
  it('first frame: ids on all confident detections, boxes clipped to the image; a low score stays untracked', () => {
    const ft = new FrameTracker(opts);
    const r = ft.apply({ width: 100, height: 100, detections: [det([-5, 10, 50, 60], 0.9), det([60, 60, 80, 80], 0.2)] });
    expect(r.detections).toHaveLength(1);
    expect(r.detections[0]).toMatchObject({ trackId: 1, box: [0, 10, 50, 60] });
  });
  it('a frame with no tracks keeps its detections without ids', () => {
    const ft = new FrameTracker(opts);
    ft.apply({ width: 100, height: 100, detections: [det([0, 0, 10, 10], 0.9)] });
    const r = ft.apply({ width: 100, height: 100, detections: [det([50, 50, 60, 60], 0.9)] }); // a birth: not yet activated
    expect(r.detections).toEqual([det([50, 50, 60, 60], 0.9)]);
  });
  it('rejects bad options with the uniform message', () => {
    expect(() => resolveTrackerOptions('sort', {})).toThrow(YoloeTrtError);
    expect(resolveTrackerOptions('botsort-lite', {})!.tracker).toBe('botsort-lite');
    expect(() => resolveTrackerOptions(true, { trackBuffer: -1 })).toThrow(/Expected an integer >= 0 and <= 100000 for trackerOptions.trackBuffer but received -1/);
    expect(() => resolveTrackerOptions(true, { trackbuffer: 3 })).toThrow(/trackerOptions.trackbuffer/);
    expect(resolveTrackerOptions(false, {})).toBeUndefined();
  });
});
