import { initiate, predict, update, type KalmanState } from './kalman-xyah.js';

/**
 * One track of ByteTrack (Ultralytics STrack + BaseTrack): its Kalman state, life-cycle state and
 * the detection it was last matched to. Numbers follow numpy's dtypes there: the detection's
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
  constructor(xyxy: ArrayLike<number>, public score: number, public cls: number, public idx: number) {
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
    const m = this.kalman.mean;
    const w = m[2]! * m[3]!;
    return [m[0]! - w / 2, m[1]! - m[3]! / 2, w, m[3]!];
  }

  get xyxy(): [number, number, number, number] {
    const t = this.tlwh;
    if (!this.kalman) return [t[0]!, t[1]!, f(t[2]! + t[0]!), f(t[3]! + t[1]!)];
    return [t[0]!, t[1]!, t[2]! + t[0]!, t[3]! + t[1]!];
  }

  /** centre x, centre y, aspect w/h, height of the detection box, in float32 (tlwh_to_xyah) */
  xyah(): Float32Array {
    const [l, t, w, h] = this.tlwh0;
    return Float32Array.of(l! + w! / 2, t! + h! / 2, w! / h!, h!);
  }

  predict(): void {
    const mean = Float64Array.from(this.kalman!.mean);
    if (this.state !== TrackState.Tracked) mean[7] = 0;
    this.kalman = predict({ mean, covariance: this.kalman!.covariance });
  }

  activate(frameId: number, nextId: () => number): void {
    this.trackId = nextId();
    this.kalman = initiate(this.xyah());
    this.trackletLen = 0;
    this.state = TrackState.Tracked;
    if (frameId === 1) this.isActivated = true;
    this.frameId = frameId;
    this.startFrame = frameId;
  }

  reActivate(det: STrack, frameId: number): void {
    this.kalman = update(this.kalman!, det.xyah());
    this.trackletLen = 0;
    this.state = TrackState.Tracked;
    this.isActivated = true;
    this.frameId = frameId;
    this.takeDetection(det);
  }

  update(det: STrack, frameId: number): void {
    this.frameId = frameId;
    this.trackletLen += 1;
    this.kalman = update(this.kalman!, det.xyah());
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
