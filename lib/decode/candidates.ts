import type { Candidate, DecodeOptions } from '../types.js';

const f32 = Math.fround;

/** Ultralytics' xywh2xyxy runs on a float32 tensor: w/2 is exact, the sums round to float32. */
function candidateFromXywh(cx: number, cy: number, w: number, h: number, score: number, classId: number, index: number): Candidate {
  const dw = f32(w / 2);
  const dh = f32(h / 2);
  return { x1: f32(cx - dw), y1: f32(cy - dh), x2: f32(cx + dw), y2: f32(cy + dh), score, classId, index };
}

/** A membership table for the `classes` filter, or undefined when every class is kept. */
function classFilter(classes: number[] | undefined, nc: number): Uint8Array | undefined {
  if (classes === undefined) return undefined;
  const allowed = new Uint8Array(nc);
  for (const c of classes) if (c < nc) allowed[c] = 1;
  return allowed;
}

/**
 * Keeps the `maxNms` best candidates by descending score (Ultralytics: argsort(descending)[:max_nms]),
 * only when there are more than that. The sort is stable, so ties keep anchor order.
 */
export function capCandidates(cands: Candidate[], maxNms: number): Candidate[] {
  if (cands.length <= maxNms) return cands;
  return [...cands].sort((a, b) => b.score - a.score).slice(0, maxNms);
}

/**
 * The candidates of one image of a raw head, in network-input pixels, in anchor order (multiLabel:
 * anchor then class, like torch.where), capped at `opts.maxNms`.
 *
 * - `[B, C, N]` (transposed false): class c of anchor a sits at `(4 + c) * N + a`. The best class
 *   per anchor is found class-major: one sequential pass over each class row, updating a per-anchor
 *   best score / best class kept in two typed arrays, so a 4,585-class head is one linear scan.
 * - `[B, N, C]` (transposed true): one contiguous row per anchor.
 *
 * Single label: the best class (first on ties) must score strictly above conf, and then pass the
 * `classes` filter (a best class outside it drops the anchor, as in Ultralytics). multiLabel: every
 * class strictly above conf and in `classes`.
 */
export function scanRawHead(
  out: Float32Array,
  batchIndex: number,
  channels: number,
  anchors: number,
  nc: number,
  opts: DecodeOptions,
  transposed: boolean,
): Candidate[] {
  const base = batchIndex * channels * anchors;
  const conf = opts.conf;
  const allowed = classFilter(opts.classes, nc);
  // element (channel k, anchor a) of this image
  const chStride = transposed ? 1 : anchors;
  const anStride = transposed ? channels : 1;
  const at = (k: number, a: number): number => out[base + k * chStride + a * anStride];

  // Only anchors whose best class beats conf matter, and for those the best over the scores above
  // conf is the best over all (first index on ties): so the best starts at conf and the hot loop is
  // one compare against a constant for the ~all scores below it.
  const bestScore = new Float64Array(anchors).fill(conf);
  const bestClass = new Int32Array(anchors);
  if (!transposed) {
    for (let c = 0; c < nc; c++) {
      const row = out.subarray(base + (4 + c) * anchors, base + (5 + c) * anchors);
      for (let a = 0; a < anchors; a++) {
        const v = row[a];
        if (v > conf && v > bestScore[a]) {
          bestScore[a] = v;
          bestClass[a] = c;
        }
      }
    }
  } else {
    for (let a = 0; a < anchors; a++) {
      const row = base + a * channels + 4;
      for (let c = 0; c < nc; c++) {
        const v = out[row + c];
        if (v > bestScore[a]) {
          bestScore[a] = v;
          bestClass[a] = c;
        }
      }
    }
  }

  // candidates stream through a bounded top-maxNms store: memory is O(min(maxNms, candidates)),
  // whatever conf and multiLabel let through; an entry's scan position says its anchor and class
  const top = new TopCandidates(opts.maxNms);
  const multi = opts.multiLabel;
  for (let a = 0; a < anchors; a++) {
    if (!(bestScore[a] > conf)) continue;
    if (!multi) {
      if (!allowed || allowed[bestClass[a]]) top.offer(bestScore[a], a);
      continue;
    }
    // only anchors whose best passes can hold a class above conf: a strided walk over few anchors
    for (let c = 0; c < nc; c++) {
      const v = at(4 + c, a);
      if (v > conf && (!allowed || allowed[c])) top.offer(v, a * nc + c);
    }
  }

  const { scores, seqs, count } = top.take();
  const cands: Candidate[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const seq = seqs[i];
    const a = multi ? Math.floor(seq / nc) : seq;
    const c = multi ? seq - a * nc : bestClass[a];
    cands[i] = candidateFromXywh(at(0, a), at(1, a), at(2, a), at(3, a), scores[i], c, a);
  }
  return cands;
}

/**
 * The best `capacity` candidates offered, by descending score, ties in offer order (offers come
 * in increasing `seq`, the scan position). Holds at most min(capacity, offers) entries of 12
 * bytes (a float32 score, a float64 seq): appends until full, then keeps a binary heap whose
 * root is the worst entry kept. take(): offer order when nothing was dropped, else best first —
 * what capCandidates' stable descending sort of every offer gives. The twin of TopCandidates in
 * native/core/candidates.cpp.
 */
export class TopCandidates {
  private scores = new Float32Array(0);
  private seqs = new Float64Array(0);
  private count = 0;
  private heap = false;

  constructor(private readonly capacity: number) {}

  offer(score: number, seq: number): void {
    if (this.count < this.capacity) {
      if (this.count === this.scores.length) this.grow();
      this.scores[this.count] = score;
      this.seqs[this.count++] = seq;
      return;
    }
    if (this.capacity === 0) return;
    if (!this.heap) {
      for (let i = (this.count >> 1) - 1; i >= 0; i--) this.siftDown(i);
      this.heap = true;
    }
    // seq grows along the scan, so a newcomer beats the worst kept only with a strictly higher score
    if (!(score > this.scores[0]!)) return;
    this.scores[0] = score;
    this.seqs[0] = seq;
    this.siftDown(0);
  }

  take(): { scores: Float32Array; seqs: Float64Array; count: number } {
    const n = this.count;
    if (!this.heap) return { scores: this.scores, seqs: this.seqs, count: n };
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const { scores, seqs } = this;
    order.sort((a, b) => scores[b]! - scores[a]! || seqs[a]! - seqs[b]!);
    const s = new Float32Array(n);
    const q = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      s[i] = scores[order[i]!]!;
      q[i] = seqs[order[i]!]!;
    }
    return { scores: s, seqs: q, count: n };
  }

  /** i is worse than j: a lower score, or the same score later in the scan */
  private worse(i: number, j: number): boolean {
    const a = this.scores[i]!;
    const b = this.scores[j]!;
    return a < b || (a === b && this.seqs[i]! > this.seqs[j]!);
  }

  private siftDown(start: number): void {
    const n = this.count;
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const w = r < n && this.worse(r, l) ? r : l;
      if (!this.worse(w, i)) return;
      const s = this.scores[i]!;
      const q = this.seqs[i]!;
      this.scores[i] = this.scores[w]!;
      this.seqs[i] = this.seqs[w]!;
      this.scores[w] = s;
      this.seqs[w] = q;
      i = w;
    }
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, this.scores.length * 2));
    const scores = new Float32Array(size);
    const seqs = new Float64Array(size);
    scores.set(this.scores);
    seqs.set(this.seqs);
    this.scores = scores;
    this.seqs = seqs;
  }
}
