/**
 * COCOeval against pycocotools on the decisions an evaluator most easily gets wrong: areas
 * exactly on the small/medium/large bounds (inclusive at both ends), a detection at equal IoU
 * with two ground truths (the later one wins), IoU exactly at a threshold, ties between a
 * counted and an ignored ground truth, and a random grid scenario full of such ties.
 * Golden from pycocotools built from the cocodataset/cocoapi sources:
 *   /usr/bin/python3 test/golden/make-coco-edge-golden.py /tmp/cocoapi/PythonAPI > test/golden/coco-eval-edges.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCoco } from '../lib/eval/cocoeval.js';
import type { CocoDetection, CocoGroundTruth } from '../lib/eval/types.js';

interface Scenario {
  name: string;
  gt: CocoGroundTruth;
  dets: CocoDetection[];
  expected: { stats: number[] };
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'coco-eval-edges.json'), 'utf8')) as { scenarios: Scenario[] };

describe('COCOeval equals pycocotools on area bounds and IoU ties', () => {
  it('has the five scenarios', () => expect(golden.scenarios).toHaveLength(5));
  it.each(golden.scenarios.map((s) => [s.name, s] as const))('%s: the 12 bbox stats', (_name, s) => {
    const { stats } = evaluateCoco(s.gt, s.dets, 'bbox');
    expect(stats).toHaveLength(12);
    // pycocotools computes in float64 like we do: the same operations give the same doubles
    stats.forEach((v, i) => expect(v, `stat ${i}`).toBe(s.expected.stats[i]!));
  });
});
