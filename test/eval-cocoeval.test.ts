/**
 * COCOeval on scenarios small enough to compute by hand. Notation: for one IoU threshold,
 * detections ranked by score give cumulative tp / fp; recall = tp / (#counted gts), precision
 * = tp / (tp + fp + eps) made non-increasing from the right, sampled at recall 0, .01, ..., 1
 * (first rank whose recall reaches the point; 0 beyond the last). AP = mean over the 10 IoU
 * thresholds x 101 points, so "precision 1 up to recall 1 at 3 of 10 thresholds" is AP 0.3.
 * eps = 2^-52 makes a perfect precision 1 - 2^-52, hence toBeCloseTo(…, 12).
 */
import { describe, expect, it } from 'vitest';
import { evaluateCoco, formatCocoTable, IOU_THRESHOLDS, RECALL_THRESHOLDS } from '../lib/eval/cocoeval.js';
import { formatFixed3 } from '../lib/eval/numpy-compat.js';
import type { CocoAnnotation, CocoDetection, CocoGroundTruth } from '../lib/eval/types.js';

type Box = [number, number, number, number];
let nextId = 1;
function ann(image_id: number, category_id: number, bbox: Box, extra: Partial<CocoAnnotation> = {}): CocoAnnotation {
  return { id: nextId++, image_id, category_id, bbox, area: bbox[2] * bbox[3], iscrowd: 0, ...extra };
}
function det(image_id: number, category_id: number, bbox: Box, score: number): CocoDetection {
  return { image_id, category_id, bbox, score };
}
function dataset(annotations: CocoAnnotation[], categories = [1], images = [{ id: 1, width: 200, height: 200 }]): CocoGroundTruth {
  return { images, annotations, categories: categories.map((id) => ({ id, name: `c${id}` })) };
}
const [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl] = Array.from({ length: 12 }, (_, i) => i);

describe('thresholds', () => {
  it('are generated like numpy linspace (0.9 is 0.8999999999999999)', () => {
    expect(Array.from(IOU_THRESHOLDS)).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.8999999999999999, 0.95]);
    expect(RECALL_THRESHOLDS).toHaveLength(101);
    expect(RECALL_THRESHOLDS[100]).toBe(1);
    expect(RECALL_THRESHOLDS[67]).toBe(0.67);
  });
});

describe('evaluateCoco, hand-computed', () => {
  it('one gt, one det at IoU 0.6: matched at 0.50, 0.55, 0.60 only -> AP 3/10', () => {
    // gt 10x10 at the origin, det 10x6 inside it: IoU = 60 / 100 = 0.6 (>= 0.6 matches)
    const r = evaluateCoco(dataset([ann(1, 1, [0, 0, 10, 10])]), [det(1, 1, [0, 0, 10, 6], 0.9)], 'bbox');
    expect(r.stats[AP]).toBeCloseTo(0.3, 12);
    expect(r.stats[AP50]).toBeCloseTo(1, 12);
    expect(r.stats[AP75]).toBe(0);
    // gt area 100 < 32^2: small. In medium/large the gt is ignored, so nothing is defined there
    expect(r.stats[APs]).toBeCloseTo(0.3, 12);
    expect(r.stats[APm]).toBe(-1);
    expect(r.stats[APl]).toBe(-1);
    // recall is 1 at 3 thresholds and 0 at 7
    for (const i of [AR1, AR10, AR100, ARs]) expect(r.stats[i]).toBeCloseTo(0.3, 12);
    expect(r.stats[ARm]).toBe(-1);
    expect(r.stats[ARl]).toBe(-1);
  });

  it('crowd regions: detections inside them are neither hits nor false positives, and the crowd is never a miss', () => {
    // crowd 40x40 at (50,50); two 10x10 dets inside it rank first: crowd IoU = inter / det area = 1,
    // so both match the (ignored) crowd, the second one again. The regular gt is found by the third det.
    // ranks: ignored, ignored, tp -> precision 1 at recall 1 -> AP 1. Counting them as fps would give 1/3.
    const gt = dataset([ann(1, 1, [0, 0, 10, 10]), ann(1, 1, [50, 50, 40, 40], { iscrowd: 1 })]);
    const dets = [det(1, 1, [55, 55, 10, 10], 0.95), det(1, 1, [60, 60, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.5)];
    const r = evaluateCoco(gt, dets, 'bbox');
    expect(r.stats[AP]).toBeCloseTo(1, 12);
    expect(r.stats[AR100]).toBe(1);
    // a det half in the crowd (IoU 50/100 = 0.5) matches it at 0.50 only; it is a false positive elsewhere
    const half = evaluateCoco(gt, [det(1, 1, [85, 60, 10, 10], 0.95), det(1, 1, [0, 0, 10, 10], 0.5)], 'bbox');
    // at 0.50: ignored, tp -> 1. At the other 9: fp, tp -> precision 1/2 at recall 1 -> 0.5
    expect(half.stats[AP]).toBeCloseTo((1 + 9 * 0.5) / 10, 12);
  });

  it('a detection that already holds a regular gt does not move to a crowd with a higher IoU', () => {
    // gt A 10x10 at origin (IoU 0.64 with the det), crowd covering everything (crowd IoU 1).
    // The regular gt sorts first and is taken; reaching the ignored crowd stops the search.
    const gt = dataset([ann(1, 1, [0, 0, 10, 10]), ann(1, 1, [0, 0, 100, 100], { iscrowd: 1 })]);
    const r = evaluateCoco(gt, [det(1, 1, [0, 0, 8, 8], 0.9)], 'bbox');
    // matched to A at thresholds <= 0.64 (0.50, 0.55, 0.60); at the others it falls to the crowd: ignored
    // -> precision 1 at recall 1 for 3 thresholds, no counted detection (precision 0, recall 0) for 7
    expect(r.stats[AP50]).toBeCloseTo(1, 12);
    expect(r.stats[AP]).toBeCloseTo(0.3, 12);
  });

  it('duplicates: the second detection of the same object is a false positive', () => {
    // ranks tp, fp -> recall [1, 1], precision [1, 0.5] -> non-increasing already; sampled at rank 0 -> 1
    const r = evaluateCoco(dataset([ann(1, 1, [0, 0, 10, 10])]), [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)], 'bbox');
    expect(r.stats[AP]).toBeCloseTo(1, 12);
    // reversed order of quality: fp first, then tp -> precision [0, 0.5] -> [0.5, 0.5] -> AP 0.5
    const r2 = evaluateCoco(dataset([ann(1, 1, [0, 0, 10, 10])]), [det(1, 1, [50, 50, 10, 10], 0.9), det(1, 1, [0, 0, 10, 10], 0.8)], 'bbox');
    expect(r2.stats[AP]).toBeCloseTo(0.5, 12);
  });

  it('two categories average; a category without ground truth is excluded even with detections', () => {
    // cat 1 perfect (AP 1), cat 2 at IoU 0.6 (AP 0.3), cat 3 only a false positive, cat 4 nothing
    const gt = dataset([ann(1, 1, [0, 0, 20, 20]), ann(1, 2, [100, 100, 10, 10])], [1, 2, 3, 4]);
    const dets = [det(1, 1, [0, 0, 20, 20], 0.9), det(1, 2, [100, 100, 10, 6], 0.8), det(1, 3, [0, 0, 20, 20], 0.7)];
    const r = evaluateCoco(gt, dets, 'bbox');
    expect(r.stats[AP]).toBeCloseTo((1 + 0.3) / 2, 12);
    expect(r.byCategory.map((c) => c.categoryId)).toEqual([1, 2, 3, 4]);
    expect(r.byCategory[0]!.ap).toBeCloseTo(1, 12);
    expect(r.byCategory[1]!.ap).toBeCloseTo(0.3, 12);
    expect(r.byCategory[1]!.ap50).toBeCloseTo(1, 12);
    expect(r.byCategory[2]!.ap).toBe(-1);
    expect(r.byCategory[3]!.ap).toBe(-1);
  });

  it('small / medium / large use the gt area; unmatched detections outside the range are ignored', () => {
    // gts: small 10x10, medium 50x50 (missed), large 100x100. Dets: a 50x50 false positive (score .95),
    // then the small (.9) and large (.8) objects exactly.
    const gt = dataset([ann(1, 1, [0, 0, 10, 10]), ann(1, 1, [20, 20, 50, 50]), ann(1, 1, [100, 100, 100, 100])]);
    const dets = [det(1, 1, [150, 0, 50, 50], 0.95), det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [100, 100, 100, 100], 0.8)];
    const r = evaluateCoco(gt, dets, 'bbox');
    // all: fp, tp, tp -> recall [0, 1/3, 2/3], precision [0, 1/2, 2/3] -> [2/3, 2/3, 2/3];
    // recall points 0 .. 0.66 (67 of 101) reach 2/3 -> AP = 67/101 * 2/3
    expect(r.stats[AP]).toBeCloseTo(((67 / 101) * 2) / 3, 12);
    // small: the 2500-px fp is outside the range and unmatched -> ignored; the large det matches its
    // ignored gt -> ignored. Only the small tp remains -> 1
    expect(r.stats[APs]).toBeCloseTo(1, 12);
    expect(r.stats[APl]).toBeCloseTo(1, 12);
    // medium: the fp counts (2500 px is medium), the medium gt is missed -> 0
    expect(r.stats[APm]).toBe(0);
    expect(r.stats[AR100]).toBeCloseTo(2 / 3, 12);
    expect([r.stats[ARs], r.stats[ARm], r.stats[ARl]]).toEqual([1, 0, 1]);
  });

  it('maxDets 1 / 10 / 100 cap detections per image', () => {
    // 3 objects, 3 perfect detections in one image: AR1 sees only the best one
    const gt = dataset([ann(1, 1, [0, 0, 10, 10]), ann(1, 1, [50, 50, 10, 10]), ann(1, 1, [100, 100, 10, 10])]);
    const dets = [det(1, 1, [0, 0, 10, 10], 0.9), det(1, 1, [50, 50, 10, 10], 0.8), det(1, 1, [100, 100, 10, 10], 0.7)];
    const r = evaluateCoco(gt, dets, 'bbox');
    expect(r.stats[AR1]).toBeCloseTo(1 / 3, 12);
    expect(r.stats[AR10]).toBe(1);
    expect(r.stats[AR100]).toBe(1);
    expect(r.stats[AP]).toBeCloseTo(1, 12);
  });

  it('only the 100 best detections of an image count', () => {
    // 101 detections: 100 false positives scored above the one true positive, which is cut off
    const gt = dataset([ann(1, 1, [0, 0, 10, 10])]);
    const fps = Array.from({ length: 100 }, (_, i) => det(1, 1, [150, 150, 10, 10], 0.9 - i * 0.001));
    const r = evaluateCoco(gt, [...fps, det(1, 1, [0, 0, 10, 10], 0.1)], 'bbox');
    expect(r.stats[AR100]).toBe(0);
    const kept = evaluateCoco(gt, [...fps.slice(1), det(1, 1, [0, 0, 10, 10], 0.1)], 'bbox');
    expect(kept.stats[AR100]).toBe(1);
    // tp at rank 100 -> precision 1/100 at recall 1 -> AP 0.01
    expect(kept.stats[AP]).toBeCloseTo(0.01, 12);
  });

  it('ties in score keep input order across images (stable sort over images in id order)', () => {
    // image 1: a fp; image 2: a tp; equal scores. Concatenated in image-id order: fp, tp -> AP 0.5.
    const images = [{ id: 1, width: 100, height: 100 }, { id: 2, width: 100, height: 100 }];
    const gt = dataset([ann(2, 1, [0, 0, 10, 10])], [1], images);
    const r = evaluateCoco(gt, [det(2, 1, [0, 0, 10, 10], 0.5), det(1, 1, [0, 0, 10, 10], 0.5)], 'bbox');
    expect(r.stats[AP]).toBeCloseTo(0.5, 12);
  });

  it('segm: masks given as RLE, crowd as RLE, IoU on pixels', () => {
    // 20x20 image; gt: a 4x5 block (20 px); det: the same block plus one column (25 px): IoU 20/25 = 0.8
    const h = 20;
    const block = (x0: number, w: number, y0: number, hh: number) => {
      // column-major runs: for each of the w columns, y0 zeros then hh ones then the rest
      const counts: number[] = [x0 * h + y0];
      for (let c = 0; c < w; c++) counts.push(hh, c === w - 1 ? 0 : h - hh);
      counts[counts.length - 1] = h * 20 - (x0 + w - 1) * h - y0 - hh;
      return { size: [h, 20] as [number, number], counts };
    };
    const gt = dataset([{ ...ann(1, 1, [2, 3, 4, 5]), segmentation: block(2, 4, 3, 5), area: 20 }], [1], [{ id: 1, width: 20, height: 20 }]);
    const r = evaluateCoco(gt, [{ image_id: 1, category_id: 1, score: 0.9, segmentation: block(2, 5, 3, 5) }], 'segm');
    // matched at 0.50 .. 0.80 (7 thresholds; 0.8 >= 0.8)
    expect(r.stats[AP]).toBeCloseTo(0.7, 12);
  });

  it('rejects detections on unknown images and malformed input with ERR_DATASET', () => {
    const gt = dataset([ann(1, 1, [0, 0, 10, 10])]);
    expect(() => evaluateCoco(gt, [det(7, 1, [0, 0, 1, 1], 0.5)], 'bbox')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => evaluateCoco(gt, [{ image_id: 1, category_id: 1, score: 0.5 }], 'bbox')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => evaluateCoco({} as CocoGroundTruth, [], 'bbox')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => evaluateCoco(gt, [], 'keypoints' as 'bbox')).toThrow(expect.objectContaining({ code: 'ERR_DATASET' }));
    expect(() => evaluateCoco(gt, [det(1, 1, [0, 0, 10, 10], 0.5)], 'segm')).toThrow(/segmentation/);
  });

  it('no detections: AP 0 where ground truth exists', () => {
    const r = evaluateCoco(dataset([ann(1, 1, [0, 0, 10, 10])]), [], 'bbox');
    expect(r.stats.slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(r.stats[APm]).toBe(-1);
  });
});

describe('formatCocoTable', () => {
  it('prints pycocotools lines, Python rounding (ties to even) and -1.000', () => {
    const table = formatCocoTable([0.0625, 0.1875, 0.5, 0.25, -1, 1, 0.3333, 0.6666, 0.001, 0.0005, 0, 0.999]).split('\n');
    expect(table).toHaveLength(12);
    expect(table[0]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.062');
    expect(table[1]).toBe(' Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.188');
    expect(table[4]).toBe(' Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = -1.000');
    expect(table[6]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.333');
    expect(table[9]).toBe(' Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.001');
    expect(formatFixed3(0.3125)).toBe('0.312');
    expect(formatFixed3(0.4375)).toBe('0.438');
  });
});
