import { YoloeTrtError } from '../errors.js';
import type { Candidate, CompactedHead } from '../types.js';

function compactedError(what: string, details: Record<string, unknown> = {}): YoloeTrtError {
  return new YoloeTrtError('ERR_SHAPE', `The compacted candidates of the head do not fit its layout: ${what}`, details);
}

/**
 * Checks a compacted head against the layout it claims (nc classes, nm coefficients, at least
 * `images` images) and returns where each image's candidates start. Indices and class ids out of
 * range, short arrays or a missing coefficient block are ERR_SHAPE, never garbage detections.
 */
export function compactedOffsets(head: CompactedHead, nc: number, nm: number, images: number): number[] {
  const { counts, anchors } = head;
  if (!Array.isArray(counts) || counts.length < images) throw compactedError(`counts for ${counts?.length ?? 0} images, expected at least ${images}`, { output: head.output });
  if (!Number.isInteger(anchors) || anchors < 0) throw compactedError(`anchors ${String(anchors)}`, { output: head.output });
  const offsets: number[] = [];
  let total = 0;
  for (const n of counts) {
    if (!Number.isInteger(n) || n < 0) throw compactedError(`a count of ${String(n)}`, { output: head.output });
    offsets.push(total);
    total += n;
  }
  if (head.boxes.length < 5 * total || head.classIds.length < total || head.indices.length < total) {
    throw compactedError(`${total} candidates but ${head.boxes.length / 5} boxes, ${head.classIds.length} class ids, ${head.indices.length} indices`, { output: head.output });
  }
  for (let i = 0; i < total; i++) {
    const a = head.indices[i]!;
    const c = head.classIds[i]!;
    if (a < 0 || a >= anchors || c < 0 || c >= nc) throw compactedError(`candidate ${i} has anchor ${a} (of ${anchors}) and class ${c} (of ${nc})`, { output: head.output });
  }
  if (nm > 0 && head.coefficients?.length !== counts.length * nm * anchors) {
    throw compactedError(`${head.coefficients?.length ?? 0} mask coefficients, expected ${counts.length} x ${nm} x ${anchors}`, { output: head.output });
  }
  return offsets;
}

/**
 * Image b's candidates as the device kept them: anchor order (multiLabel: anchor then class),
 * the order scanRawHead offers them in, boxes and scores as computed there.
 */
export function compactedCandidates(head: CompactedHead, b: number, offset: number): Candidate[] {
  const n = head.counts[b]!;
  const { boxes, classIds, indices } = head;
  const cands: Candidate[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const j = offset + i;
    const o = 5 * j;
    cands[i] = { x1: boxes[o]!, y1: boxes[o + 1]!, x2: boxes[o + 2]!, y2: boxes[o + 3]!, score: boxes[o + 4]!, classId: classIds[j]!, index: indices[j]! };
  }
  return cands;
}
