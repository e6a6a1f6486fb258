import type { Candidate } from '../types.js';

/**
 * Candidates whose box or score is NaN or infinite (a broken or overflowing head, e.g. an fp16
 * engine whose box branch saturates) are dropped before NMS: NMS and the box mapping would turn
 * them into `[NaN, NaN, NaN, NaN]` detections. `coeffFinite`, when given, also drops candidates
 * whose mask coefficients are not finite. Returns the kept candidates and how many were dropped.
 */
export function dropNonFinite(cands: Candidate[], coeffFinite?: (c: Candidate) => boolean): { kept: Candidate[]; dropped: number } {
  const kept = cands.filter((c) => Number.isFinite(c.x1) && Number.isFinite(c.y1) && Number.isFinite(c.x2) && Number.isFinite(c.y2) && Number.isFinite(c.score) && (!coeffFinite || coeffFinite(c)));
  return { kept: kept.length === cands.length ? cands : kept, dropped: cands.length - kept.length };
}
