/**
 * Our COCOeval against pycocotools itself. The golden file was produced at dev time by
 *   /tmp/cocovenv/bin/python test/golden/make-coco-golden.py > test/golden/coco-eval-golden.json
 * (pycocotools 2.0.11 from pip, numpy 2.4): a seeded random scenario with polygons, multi-
 * polygon objects, crowd RLE regions, score ties, a category without ground truth and objects
 * of every size, plus rasteriser edge cases. Target: equal to 0.001; we expect equality to ~1e-12.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evaluateCoco } from '../lib/eval/cocoeval.js';
import { polygonToRle, rleArea, rleToBbox } from '../lib/eval/mask-ops.js';
import { encodeRleCounts } from '../lib/eval/rle-codec.js';
import type { CocoDetection, CocoGroundTruth } from '../lib/eval/types.js';

interface Golden {
  gt: CocoGroundTruth;
  dets: CocoDetection[];
  expected: { bbox: number[]; bboxTable: string; segm: number[]; segmTable: string; segmMaskArea: number[]; segmBoxOnly: number[] };
  polygons: { polygon: number[]; height: number; width: number; counts: string; area: number; bbox: number[] }[];
}

const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'coco-eval-golden.json'), 'utf8')) as Golden;

function expectStats(actual: number[], expected: number[]): void {
  expect(actual).toHaveLength(12);
  actual.forEach((v, i) => expect(v, `stat ${i}`).toBe(expected[i]!));
}

describe('COCOeval matches pycocotools on a random scenario', () => {
  it('bbox: 12 stats and the printed table', () => {
    const result = evaluateCoco(golden.gt, golden.dets, 'bbox');
    expectStats(result.stats, golden.expected.bbox);
    expect(result.table).toBe(golden.expected.bboxTable);
  });

  it('segm with bbox+mask detections (areas from boxes, as loadRes)', () => {
    const result = evaluateCoco(golden.gt, golden.dets, 'segm');
    expectStats(result.stats, golden.expected.segm);
    expect(result.table).toBe(golden.expected.segmTable);
  });

  it('segm with mask-only detections (areas from masks)', () => {
    const dets = golden.dets.map(({ bbox: _bbox, ...rest }) => rest);
    expectStats(evaluateCoco(golden.gt, dets, 'segm').stats, golden.expected.segmMaskArea);
  });

  it('segm with box-only detections (boxes rasterised as polygons)', () => {
    const dets = golden.dets.map(({ segmentation: _seg, ...rest }) => rest);
    expectStats(evaluateCoco(golden.gt, dets, 'segm').stats, golden.expected.segmBoxOnly);
  });
});

describe('polygon rasterisation matches pycocotools frPyObjects bit for bit', () => {
  it.each(golden.polygons.map((p, i) => [i, p] as const))('polygon %i', (_i, p) => {
    const rle = polygonToRle(p.polygon, p.height, p.width);
    expect(encodeRleCounts(rle.counts)).toBe(p.counts);
    expect(rleArea(rle)).toBe(p.area);
    expect(rleToBbox(rle)).toEqual(p.bbox);
  });
});
