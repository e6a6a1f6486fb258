/**
 * COCOeval.accumulate: for every (category, area range, maxDets) the detections of all images
 * are ranked by score (stable), true/false positives are summed cumulatively, precision is made
 * monotone from the right and sampled at the recall thresholds (searchsorted, side 'left').
 */
import type { ImageEvaluation } from './evaluate-image.js';

export interface Accumulated {
  /** [t][r][k][a][m], -1 where undefined */
  precision: Float64Array;
  /** [t][k][a][m], -1 where undefined */
  recall: Float64Array;
  dims: { T: number; R: number; K: number; A: number; M: number };
}

/** pycocotools' np.spacing(1): the float64 epsilon added to the precision denominator. */
const SPACING_1 = 2 ** -52;

/**
 * @param evals [k][a][i]: per category, area range and image (images in ascending id order)
 */
export function accumulate(
  evals: (ImageEvaluation | null)[][][],
  maxDets: readonly number[],
  T: number,
  recallThresholds: Float64Array,
): Accumulated {
  const K = evals.length;
  const A = K > 0 ? evals[0]!.length : 0;
  const M = maxDets.length;
  const R = recallThresholds.length;
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);

  for (let k = 0; k < K; k++) {
    for (let a = 0; a < A; a++) {
      const E = evals[k]![a]!.filter((e): e is ImageEvaluation => e !== null);
      if (E.length === 0) continue;
      let npig = 0;
      for (const e of E) npig += e.countedGroundTruths;
      for (let m = 0; m < M; m++) {
        const maxDet = maxDets[m]!;
        // concatenate each image's first maxDet detections, remembering where they came from
        const scores: number[] = [];
        const source: number[] = []; // image index in E
        const column: number[] = []; // detection index inside that image
        E.forEach((e, ei) => {
          const n = Math.min(maxDet, e.scores.length);
          for (let d = 0; d < n; d++) {
            scores.push(e.scores[d]!);
            source.push(ei);
            column.push(d);
          }
        });
        if (npig === 0) continue;
        const nd = scores.length;
        const rank = Array.from({ length: nd }, (_, i) => i).sort((x, y) => scores[y]! - scores[x]! || x - y);
        const rc = new Float64Array(nd);
        const pr = new Float64Array(nd);
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          for (let i = 0; i < nd; i++) {
            const j = rank[i]!;
            const e = E[source[j]!]!;
            const at = t * e.scores.length + column[j]!;
            if (!e.ignored[at]) {
              if (e.matched[at]) tp++;
              else fp++;
            }
            rc[i] = tp / npig;
            pr[i] = tp / (fp + tp + SPACING_1);
          }
          recall[((t * K + k) * A + a) * M + m] = nd > 0 ? rc[nd - 1]! : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          // searchsorted(rc, recThrs, 'left') as one merge walk: both are ascending
          let at = 0;
          for (let r = 0; r < R; r++) {
            const threshold = recallThresholds[r]!;
            while (at < nd && rc[at]! < threshold) at++;
            precision[(((t * R + r) * K + k) * A + a) * M + m] = at < nd ? pr[at]! : 0;
          }
        }
      }
    }
  }
  return { precision, recall, dims: { T, R, K, A, M } };
}
