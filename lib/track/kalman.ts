/**
 * The constant-velocity Kalman filters of Ultralytics' trackers: KalmanFilterXYAH (ByteTrack:
 * state [x, y, a, h, vx, vy, va, vh], centre, aspect ratio w/h and height, noise scaled by the
 * height) and KalmanFilterXYWH (BoT-SORT: [x, y, w, h, ...], noise scaled by the width for x and w
 * and by the height for y and h); position weight 1/20, velocity 1/160. Plain float64, 8x8
 * row-major matrices. Each motion model also says how a float32 tlwh box becomes its measurement
 * and which velocities a track that is not tracked stops using.
 */

const STD_POSITION = 1 / 20;
const STD_VELOCITY = 1 / 160;

export interface KalmanState {
  mean: Float64Array; // 8
  covariance: Float64Array; // 64
}

export interface MotionModel {
  /** the measurement of a float32 [left, top, w, h] box, in float32 as numpy computes it */
  measure(tlwh: Float32Array): Float32Array;
  /** [left, top, w, h] of a state mean */
  tlwh(mean: Float64Array): [number, number, number, number];
  /** velocity entries zeroed before predicting a track that is not currently tracked */
  frozen: number[];
  initiate(measurement: ArrayLike<number>): KalmanState;
  predict(state: KalmanState): KalmanState;
  update(state: KalmanState, measurement: ArrayLike<number>): KalmanState;
}

/** Noise of one model: initial std from the measurement, process std and measurement std from the mean. */
interface Noise {
  initial(m: ArrayLike<number>): number[];
  process(m: Float64Array): number[];
  measurement(m: Float64Array): number[];
}

const P = STD_POSITION;
const V = STD_VELOCITY;
const f = Math.fround;

const XYAH_NOISE: Noise = {
  initial: (m) => { const h = m[3]!; return [2 * P * h, 2 * P * h, 1e-2, 2 * P * h, 10 * V * h, 10 * V * h, 1e-5, 10 * V * h]; },
  process: (m) => { const h = m[3]!; return [P * h, P * h, 1e-2, P * h, V * h, V * h, 1e-5, V * h]; },
  measurement: (m) => { const h = m[3]!; return [P * h, P * h, 1e-1, P * h]; },
};

const XYWH_NOISE: Noise = {
  initial: (m) => { const [w, h] = [m[2]!, m[3]!]; return [2 * P * w, 2 * P * h, 2 * P * w, 2 * P * h, 10 * V * w, 10 * V * h, 10 * V * w, 10 * V * h]; },
  process: (m) => { const [w, h] = [m[2]!, m[3]!]; return [P * w, P * h, P * w, P * h, V * w, V * h, V * w, V * h]; },
  measurement: (m) => { const [w, h] = [m[2]!, m[3]!]; return [P * w, P * h, P * w, P * h]; },
};

/** ByteTrack's KalmanFilterXYAH with STrack's tlwh_to_xyah. */
export const XYAH: MotionModel = {
  measure: (t) => Float32Array.of(t[0]! + t[2]! / 2, t[1]! + t[3]! / 2, t[2]! / t[3]!, t[3]!),
  tlwh: (m) => { const w = m[2]! * m[3]!; return [m[0]! - w / 2, m[1]! - m[3]! / 2, w, m[3]!]; },
  frozen: [7],
  initiate: (z) => initiate(z, XYAH_NOISE),
  predict: (s) => predict(s, XYAH_NOISE),
  update: (s, z) => update(s, z, XYAH_NOISE),
};

/** BoT-SORT's KalmanFilterXYWH with BOTrack's tlwh_to_xywh. */
export const XYWH: MotionModel = {
  measure: (t) => Float32Array.of(f(t[0]! + t[2]! / 2), f(t[1]! + t[3]! / 2), t[2]!, t[3]!),
  tlwh: (m) => [m[0]! - m[2]! / 2, m[1]! - m[3]! / 2, m[2]!, m[3]!],
  frozen: [6, 7],
  initiate: (z) => initiate(z, XYWH_NOISE),
  predict: (s) => predict(s, XYWH_NOISE),
  update: (s, z) => update(s, z, XYWH_NOISE),
};

function initiate(measurement: ArrayLike<number>, noise: Noise): KalmanState {
  const mean = new Float64Array(8);
  for (let i = 0; i < 4; i++) mean[i] = measurement[i]!;
  return { mean, covariance: diagonal(noise.initial(measurement).map((s) => s * s)) };
}

/** One step of the motion model; the noise comes from the mean before the step. */
function predict(state: KalmanState, noise: Noise): KalmanState {
  const { mean: m, covariance: p } = state;
  const std = noise.process(m);
  const mean = new Float64Array(8);
  for (let i = 0; i < 4; i++) {
    mean[i] = m[i]! + m[i + 4]!;
    mean[i + 4] = m[i + 4]!;
  }
  // F P F^T with F = [[I, I], [0, I]]: rows then columns add the velocity block onto the position block
  const fp = new Float64Array(64);
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) fp[r * 8 + c] = p[r * 8 + c]! + (r < 4 ? p[(r + 4) * 8 + c]! : 0);
  const covariance = new Float64Array(64);
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) covariance[r * 8 + c] = fp[r * 8 + c]! + (c < 4 ? fp[r * 8 + c + 4]! : 0);
  for (let i = 0; i < 8; i++) covariance[i * 9] += std[i]! * std[i]!;
  return { mean, covariance };
}

/** Corrects the state with a measurement. */
function update(state: KalmanState, measurement: ArrayLike<number>, noise: Noise): KalmanState {
  const { mean: m, covariance: p } = state;
  const std = noise.measurement(m);
  // projected covariance S = H P H^T + R (the top-left 4x4 block plus the measurement noise)
  const s = new Float64Array(16);
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) s[r * 4 + c] = p[r * 8 + c]!;
  for (let i = 0; i < 4; i++) s[i * 5] += std[i]! * std[i]!;
  const chol = cholesky4(s);
  // gain K (8x4) = P H^T S^-1, solved column by column of (P H^T)^T
  const gain = new Float64Array(32);
  const rhs = new Float64Array(4);
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 4; c++) rhs[c] = p[r * 8 + c]!;
    const x = choleskySolve4(chol, rhs);
    for (let c = 0; c < 4; c++) gain[r * 4 + c] = x[c]!;
  }
  const innovation = [0, 1, 2, 3].map((i) => measurement[i]! - m[i]!);
  const mean = new Float64Array(8);
  for (let r = 0; r < 8; r++) {
    let acc = m[r]!;
    for (let c = 0; c < 4; c++) acc += gain[r * 4 + c]! * innovation[c]!;
    mean[r] = acc;
  }
  // P - K S K^T
  const ks = new Float64Array(32);
  for (let r = 0; r < 8; r++) for (let c = 0; c < 4; c++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc += gain[r * 4 + k]! * s[k * 4 + c]!;
    ks[r * 4 + c] = acc;
  }
  const covariance = new Float64Array(64);
  for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) {
    let acc = 0;
    for (let k = 0; k < 4; k++) acc += ks[r * 4 + k]! * gain[c * 4 + k]!;
    covariance[r * 8 + c] = p[r * 8 + c]! - acc;
  }
  return { mean, covariance };
}

function diagonal(values: number[]): Float64Array {
  const out = new Float64Array(values.length * values.length);
  values.forEach((v, i) => { out[i * values.length + i] = v; });
  return out;
}

/** Lower Cholesky factor of a symmetric positive-definite 4x4 matrix. */
function cholesky4(a: Float64Array): Float64Array {
  const l = new Float64Array(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * 4 + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * 4 + k]! * l[j * 4 + k]!;
      l[i * 4 + j] = i === j ? Math.sqrt(sum) : sum / l[j * 4 + j]!;
    }
  }
  return l;
}

function choleskySolve4(l: Float64Array, b: Float64Array): Float64Array {
  const y = new Float64Array(4);
  for (let i = 0; i < 4; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * 4 + k]! * y[k]!;
    y[i] = sum / l[i * 4 + i]!;
  }
  const x = new Float64Array(4);
  for (let i = 3; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < 4; k++) sum -= l[k * 4 + i]! * x[k]!;
    x[i] = sum / l[i * 4 + i]!;
  }
  return x;
}
