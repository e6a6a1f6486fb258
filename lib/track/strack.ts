import type { KalmanState, MotionModel } from './kalman.js';

/**
 * One track (Ultralytics STrack + BaseTrack, or BOTrack with the XYWH motion model): its Kalman
 * state, life-cycle state and the detection it was last matched to. Numbers follow numpy's dtypes there: the detection's
 * tlwh is float32, the Kalman state float64.
 */
export const enum TrackState { New = 0, Tracked = 1, Lost = 2, Removed = 3 }

const f = Math.fround;

export class STrack {
  trackId = 0;
  isActivated = false;
  state: TrackState = TrackState.New;
  startFrame = 0;
  frameId = 0;
  trackletLen = 0;
  kalman?: KalmanState;
  /** float32 [left, top, w, h] of the detection that made this track */
  private readonly tlwh0: Float32Array;

  /**
   * @param xyxy detection box (rounded to float32 first, as Ultralytics' Boxes are)
   * @param idx index of the detection in its frame
   */
  constructor(private readonly motion: MotionModel, xyxy: ArrayLike<number>, public score: number, public cls: number, public idx: number) {
    const [x1, y1, x2, y2] = [f(xyxy[0]!), f(xyxy[1]!), f(xyxy[2]!), f(xyxy[3]!)];
    // Boxes.xywh in float32, then xywh2ltwh in float64 (the index column made the array float64)
    const cx = f(f(x1 + x2) / 2);
    const cy = f(f(y1 + y2) / 2);
    const w = f(x2 - x1);
    const h = f(y2 - y1);
    this.tlwh0 = Float32Array.of(cx - w / 2, cy - h / 2, w, h);
    this.score = f(score);
  }

  get endFrame(): number {
    return this.frameId;
  }

  /** [left, top, w, h]: from the Kalman mean once there is one */
  get tlwh(): ArrayLike<number> {
    if (!this.kalman) return this.tlwh0;
    return this.motion.tlwh(this.kalman.mean);
  }

  get xyxy(): [number, number, number, number] {
    const t = this.tlwh;
    if (!this.kalman) return [t[0]!, t[1]!, f(t[2]! + t[0]!), f(t[3]! + t[1]!)];
    return [t[0]!, t[1]!, t[2]! + t[0]!, t[3]! + t[1]!];
  }

  /** the detection box as the motion model measures it (xyah or xywh, float32) */
  measurement(): Float32Array {
    return this.motion.measure(this.tlwh0);
  }

  predict(): void {
    const mean = Float64Array.from(this.kalman!.mean);
    if (this.state !== TrackState.Tracked) for (const i of this.motion.frozen) mean[i] = 0;
    this.kalman = this.motion.predict({ mean, covariance: this.kalman!.covariance });
  }

  activate(frameId: number, nextId: () => number): void {
    this.trackId = nextId();
    this.kalman = this.motion.initiate(this.measurement());
    this.trackletLen = 0;
    this.state = TrackState.Tracked;
    if (frameId === 1) this.isActivated = true;
    this.frameId = frameId;
    this.startFrame = frameId;
  }

  reActivate(det: STrack, frameId: number): void {
    this.kalman = this.motion.update(this.kalman!, det.measurement());
    this.trackletLen = 0;
    this.state = TrackState.Tracked;
    this.isActivated = true;
    this.frameId = frameId;
    this.takeDetection(det);
  }

  update(det: STrack, frameId: number): void {
    this.frameId = frameId;
    this.trackletLen += 1;
    this.kalman = this.motion.update(this.kalman!, det.measurement());
    this.state = TrackState.Tracked;
    this.isActivated = true;
    this.takeDetection(det);
  }

  private takeDetection(det: STrack): void {
    this.score = det.score;
    this.cls = det.cls;
    this.idx = det.idx;
  }
}
