import type { Candidate, DecodeOptions } from '../types.js';

/** Ultralytics' max_wh: class-aware NMS shifts each class's boxes by classId * 7680 px. */
export const CLASS_OFFSET = 7680;

const f32 = Math.fround;

/**
 * Greedy NMS exactly as Ultralytics `non_max_suppression` hands it to `torchvision.ops.nms` (CPU):
 * boxes shifted by `classId * 7680` (0 when agnostic) in float32, sorted by descending score,
 * each kept box suppresses later ones with IoU strictly above `opts.iou`, IoU computed in float32
 * as torchvision does: area = (x2 - x1) * (y2 - y1) (no +1), inter / (area_i + area_j - inter).
 * Returns at most `opts.maxDet` candidates, best first.
 *
 * Ties in score keep input order (a stable sort; torchvision's sort makes no stability promise).
 * Worst case O(n^2) IoU tests; stops once maxDet boxes are kept.
 */
export function nms(cands: Candidate[], opts: Pick<DecodeOptions, 'iou' | 'maxDet' | 'agnostic'>): Candidate[] {
  const n = cands.length;
  if (n === 0) return [];
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cands[b].score - cands[a].score);
  // float32 storage rounds exactly like the offset boxes and areas of the torch tensors
  const x1 = new Float32Array(n);
  const y1 = new Float32Array(n);
  const x2 = new Float32Array(n);
  const y2 = new Float32Array(n);
  const area = new Float32Array(n);
  for (let k = 0; k < n; k++) {
    const c = cands[order[k]];
    const off = opts.agnostic ? 0 : f32(c.classId * CLASS_OFFSET);
    x1[k] = c.x1 + off;
    y1[k] = c.y1 + off;
    x2[k] = c.x2 + off;
    y2[k] = c.y2 + off;
    area[k] = f32(x2[k] - x1[k]) * f32(y2[k] - y1[k]);
  }
  const iou = opts.iou;
  const suppressed = new Uint8Array(n);
  const kept: Candidate[] = [];
  for (let i = 0; i < n && kept.length < opts.maxDet; i++) {
    if (suppressed[i]) continue;
    kept.push(cands[order[i]]);
    const ix1 = x1[i];
    const iy1 = y1[i];
    const ix2 = x2[i];
    const iy2 = y2[i];
    const iarea = area[i];
    for (let j = i + 1; j < n; j++) {
      if (suppressed[j]) continue;
      const w = f32(Math.min(ix2, x2[j]) - Math.max(ix1, x1[j]));
      if (!(w > 0)) continue; // no overlap: IoU 0 never exceeds a threshold >= 0
      const h = f32(Math.min(iy2, y2[j]) - Math.max(iy1, y1[j]));
      if (!(h > 0)) continue;
      const inter = f32(w * h);
      const ovr = f32(inter / f32(f32(iarea + area[j]) - inter));
      if (ovr > iou) suppressed[j] = 1;
    }
  }
  return kept;
}
