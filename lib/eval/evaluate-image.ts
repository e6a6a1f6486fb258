/**
 * Per image and category matching, as pycocotools' COCOeval.evaluateImg: for each IoU
 * threshold, detections (best score first) greedily take the best-IoU ground truth still free;
 * crowd ground truths may be taken again; ignored ground truths (crowd or outside the area
 * range) sort last and a detection already holding a regular one does not move to them.
 */

export interface EvalGroundTruth {
  /** the annotation id: pycocotools records matches by id, so an id of 0 reads as "unmatched" */
  id: number;
  area: number;
  iscrowd: boolean;
}

export interface EvalDetection {
  score: number;
  area: number;
}

export interface ImageEvaluation {
  /** detection scores, best first, at most maxDet */
  scores: Float64Array;
  /** [threshold * D + d]: 1 when the detection matched a ground truth (pycocotools' dtm != 0) */
  matched: Uint8Array;
  /** [threshold * D + d]: 1 when the detection is ignored (matched an ignored gt, or unmatched outside the area range) */
  ignored: Uint8Array;
  /** ground truths that count (not crowd, inside the area range) */
  countedGroundTruths: number;
}

/**
 * @param gts ground truths in annotation order
 * @param dts detections already sorted best-first and capped at maxDet
 * @param ious [detection][ground truth in annotation order]; may be empty when gts or dts are
 */
export function evaluateImage(
  gts: EvalGroundTruth[],
  dts: EvalDetection[],
  ious: Float64Array[],
  areaRange: readonly [number, number],
  iouThresholds: Float64Array,
): ImageEvaluation | null {
  if (gts.length === 0 && dts.length === 0) return null;
  const [lo, hi] = areaRange;
  const G = gts.length;
  const D = dts.length;
  const T = iouThresholds.length;

  const gtIgnoredByAnn = gts.map((g) => g.iscrowd || g.area < lo || g.area > hi);
  // stable: counted ground truths first, ignored last, annotation order kept within each group
  const order = gts.map((_, i) => i).sort((a, b) => Number(gtIgnoredByAnn[a]) - Number(gtIgnoredByAnn[b]) || a - b);
  const gtIgnored = order.map((i) => gtIgnoredByAnn[i]!);
  const gtCrowd = order.map((i) => gts[i]!.iscrowd);

  const matched = new Uint8Array(T * D);
  const ignored = new Uint8Array(T * D);
  const matchedGtId = new Float64Array(T * D); // 0 = unmatched, as pycocotools' dtm
  if (G > 0 && D > 0) {
    const gtTaken = new Uint8Array(G);
    for (let t = 0; t < T; t++) {
      gtTaken.fill(0);
      for (let d = 0; d < D; d++) {
        const row = ious[d]!;
        let best = Math.min(iouThresholds[t]!, 1 - 1e-10);
        let m = -1;
        for (let gi = 0; gi < G; gi++) {
          if (gtTaken[gi] && !gtCrowd[gi]) continue;
          if (m > -1 && !gtIgnored[m] && gtIgnored[gi]) break;
          const iou = row[order[gi]!]!;
          if (iou < best) continue;
          // ">=": on equal IoU the later ground truth wins, as in pycocotools
          best = iou;
          m = gi;
        }
        if (m === -1) continue;
        ignored[t * D + d] = gtIgnored[m] ? 1 : 0;
        matchedGtId[t * D + d] = gts[order[m]!]!.id;
        gtTaken[m] = 1;
      }
    }
  }
  for (let t = 0; t < T; t++) {
    for (let d = 0; d < D; d++) {
      const i = t * D + d;
      matched[i] = matchedGtId[i] !== 0 ? 1 : 0;
      const area = dts[d]!.area;
      if (!matched[i] && (area < lo || area > hi)) ignored[i] = 1;
    }
  }
  let counted = 0;
  for (const ig of gtIgnored) if (!ig) counted++;
  return { scores: Float64Array.from(dts, (d) => d.score), matched, ignored, countedGroundTruths: counted };
}
