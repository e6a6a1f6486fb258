/**
 * How closely a quantized model follows its float original on the same images: detection
 * agreement (same class, IoU >= 0.5), score differences, score compression on the raw head,
 * and an output-error number cheap enough to rank layers by.
 */
import type { Detection, HeadLayout, ImageResult, Tensor } from '../types.js';

export interface Agreement {
  /** fp32 detections (at the comparison's conf) */
  fp32Detections: number;
  int8Detections: number;
  /** fp32 detections with an int8 detection of the same class at IoU >= 0.5 */
  matched: number;
  /** matched / fp32Detections (1 when fp32 found nothing) */
  kept: number;
  /** the same for fp32 detections scoring >= 0.5 */
  keptConfident: number;
  /** mean |fp32 score - int8 score| over matched pairs */
  meanScoreDiff: number;
  /** mean int8 - fp32 score over matched pairs (negative: int8 scores lower) */
  meanScoreBias: number;
  /** mean IoU of matched pairs */
  meanIou: number;
}

function iou(a: readonly number[], b: readonly number[]): number {
  const ix = Math.max(0, Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!));
  const iy = Math.max(0, Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!));
  const inter = ix * iy;
  const union = (a[2]! - a[0]!) * (a[3]! - a[1]!) + (b[2]! - b[0]!) * (b[3]! - b[1]!) - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy matching, best fp32 score first, each int8 detection used once. */
export function compareDetections(fp32: ImageResult[], int8: ImageResult[]): Agreement {
  let total = 0;
  let confident = 0;
  let matched = 0;
  let matchedConfident = 0;
  let int8Count = 0;
  let diff = 0;
  let bias = 0;
  let iouSum = 0;
  fp32.forEach((ref, k) => {
    const cand: (Detection | undefined)[] = [...(int8[k]?.detections ?? [])];
    int8Count += cand.length;
    const sorted = [...ref.detections].sort((a, b) => b.score - a.score);
    for (const d of sorted) {
      total++;
      if (d.score >= 0.5) confident++;
      let best = -1;
      let bestIou = 0.5;
      cand.forEach((c, j) => {
        if (!c || c.classId !== d.classId) return;
        const v = iou(d.box, c.box);
        if (v >= bestIou) {
          bestIou = v;
          best = j;
        }
      });
      if (best < 0) continue;
      const c = cand[best]!;
      cand[best] = undefined;
      matched++;
      if (d.score >= 0.5) matchedConfident++;
      diff += Math.abs(c.score - d.score);
      bias += c.score - d.score;
      iouSum += bestIou;
    }
  });
  return {
    fp32Detections: total,
    int8Detections: int8Count,
    matched,
    kept: total ? matched / total : 1,
    keptConfident: confident ? matchedConfident / confident : 1,
    meanScoreDiff: matched ? diff / matched : 0,
    meanScoreBias: matched ? bias / matched : 0,
    meanIou: matched ? iouSum / matched : 0,
  };
}

/** Reads anchor a's box (cx, cy, w, h) and class scores from a raw head output. */
export class RawHead {
  readonly anchors: number;
  readonly nc: number;
  private readonly data: Float32Array;
  private readonly stride: number;
  private readonly step: number;

  constructor(t: Tensor, layout: Extract<HeadLayout, { kind: 'raw' }>, batchIndex = 0) {
    this.anchors = layout.anchors;
    this.nc = layout.nc;
    const channels = 4 + layout.nc + layout.nm;
    const all = t.data as Float32Array;
    this.data = all.subarray(batchIndex * channels * layout.anchors, (batchIndex + 1) * channels * layout.anchors);
    // value(channel, anchor) = data[channel * stride + anchor * step]
    this.stride = layout.transposed ? 1 : layout.anchors;
    this.step = layout.transposed ? channels : 1;
  }

  value(channel: number, anchor: number): number {
    return this.data[channel * this.stride + anchor * this.step]!;
  }

  /** best class and its score */
  best(anchor: number): { cls: number; score: number } {
    let cls = 0;
    let score = -Infinity;
    for (let c = 0; c < this.nc; c++) {
      const s = this.value(4 + c, anchor);
      if (s > score) {
        score = s;
        cls = c;
      }
    }
    return { cls, score };
  }

  xyxy(anchor: number): [number, number, number, number] {
    const cx = this.value(0, anchor);
    const cy = this.value(1, anchor);
    const w = this.value(2, anchor);
    const h = this.value(3, anchor);
    return [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }
}

export interface RawComparison {
  /** anchors whose best class scores above 0.5 */
  fp32AboveHalf: number;
  int8AboveHalf: number;
  /** highest class score anywhere */
  fp32MaxScore: number;
  int8MaxScore: number;
  /** mean |score diff| of fp32's best class over anchors where either model scores >= 0.05 */
  scoreError: number;
  /** mean (1 - IoU) of the boxes of anchors where fp32 scores >= 0.25 */
  boxError: number;
  /**
   * anchors by best class score in 20 bins of 0.05 ([0, 0.05) left empty: the background
   * bulk), fp32 and int8: the score-compression histogram
   */
  scoreHistogram: { fp32: number[]; int8: number[] };
}

export const SCORE_BINS = 20;

function scoreBin(score: number): number {
  return Math.min(SCORE_BINS - 1, Math.floor(score * SCORE_BINS));
}

/** Compares the raw head outputs of one batch element; sums over several with `mergeRaw`. */
export function compareRaw(fp32: RawHead, int8: RawHead): RawComparison & { activeCount: number; boxCount: number } {
  let a32 = 0;
  let a8 = 0;
  let m32 = 0;
  let m8 = 0;
  let scoreSum = 0;
  let active = 0;
  let boxSum = 0;
  let boxes = 0;
  const h32 = new Array<number>(SCORE_BINS).fill(0);
  const h8 = new Array<number>(SCORE_BINS).fill(0);
  for (let a = 0; a < fp32.anchors; a++) {
    const b32 = fp32.best(a);
    const b8 = int8.best(a);
    if (b32.score >= 0.05) h32[scoreBin(b32.score)]!++;
    if (b8.score >= 0.05) h8[scoreBin(b8.score)]!++;
    if (b32.score > 0.5) a32++;
    if (b8.score > 0.5) a8++;
    m32 = Math.max(m32, b32.score);
    m8 = Math.max(m8, b8.score);
    if (b32.score >= 0.05 || b8.score >= 0.05) {
      active++;
      scoreSum += Math.abs(b32.score - int8.value(4 + b32.cls, a));
    }
    if (b32.score >= 0.25) {
      boxes++;
      boxSum += 1 - iou(fp32.xyxy(a), int8.xyxy(a));
    }
  }
  return {
    fp32AboveHalf: a32,
    int8AboveHalf: a8,
    fp32MaxScore: m32,
    int8MaxScore: m8,
    scoreError: active ? scoreSum / active : 0,
    boxError: boxes ? boxSum / boxes : 0,
    scoreHistogram: { fp32: h32, int8: h8 },
    activeCount: active,
    boxCount: boxes,
  };
}

/** Sums anchor counts, takes the max of max scores and the count-weighted mean of errors. */
export function mergeRaw(parts: ReturnType<typeof compareRaw>[]): RawComparison {
  const sum = (f: (p: ReturnType<typeof compareRaw>) => number) => parts.reduce((s, p) => s + f(p), 0);
  const active = sum((p) => p.activeCount);
  const boxes = sum((p) => p.boxCount);
  return {
    fp32AboveHalf: sum((p) => p.fp32AboveHalf),
    int8AboveHalf: sum((p) => p.int8AboveHalf),
    fp32MaxScore: Math.max(0, ...parts.map((p) => p.fp32MaxScore)),
    int8MaxScore: Math.max(0, ...parts.map((p) => p.int8MaxScore)),
    scoreError: active ? sum((p) => p.scoreError * p.activeCount) / active : 0,
    boxError: boxes ? sum((p) => p.boxError * p.boxCount) / boxes : 0,
    scoreHistogram: {
      fp32: Array.from({ length: SCORE_BINS }, (_, b) => sum((p) => p.scoreHistogram.fp32[b]!)),
      int8: Array.from({ length: SCORE_BINS }, (_, b) => sum((p) => p.scoreHistogram.int8[b]!)),
    },
  };
}
