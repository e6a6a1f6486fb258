/**
 * NMS against torchvision.ops.nms itself (CPU, float32, the call Ultralytics makes), including
 * pairs whose float32 IoU and float64 IoU (or IoU with an unrounded intersection) straddle the
 * threshold: torchvision's float32 rounding is what decides them. Both twins, the TypeScript
 * nms and the C++ one in the addon (CI builds it; without it the native half fails). Golden from
 *   /usr/bin/python3 test/golden/make-nms-golden.py > test/golden/nms-torchvision.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nms } from '../lib/decode/nms.js';
import { nativeKernelsAvailable, nativeNms } from '../lib/native/kernels.js';
import { resolveDecodeOptions } from '../lib/decode/options.js';
import type { Candidate } from '../lib/types.js';

interface Case {
  name: string;
  boxes: number[][];
  classes: number[];
  scores: number[];
  iou: number;
  keep: number[];
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'nms-torchvision.json'), 'utf8')) as { cases: Case[] };

describe('nms keeps exactly what torchvision.ops.nms keeps', () => {
  it('has float32-vs-float64 cases of both kinds and random sets', () => {
    expect(golden.cases.filter((c) => c.name.startsWith('float64 IoU')).length).toBeGreaterThanOrEqual(10);
    expect(golden.cases.filter((c) => c.name.startsWith('unrounded intersection')).length).toBeGreaterThanOrEqual(10);
    expect(golden.cases.filter((c) => c.name.startsWith('random set')).length).toBe(4);
  });
  const twins = [['ts', nms], ['native', nativeNms]] as const;
  it.each(twins.flatMap(([twin, fn]) => golden.cases.map((c, i) => [`${twin} ${i}: ${c.name}`, fn, c] as const)))('%s', (name, fn, c) => {
    if (name.startsWith('native') && !nativeKernelsAvailable()) throw new Error('the native addon is not built (npm run native:build)');
    const cands: Candidate[] = c.boxes.map(([x1, y1, x2, y2], i) => ({ x1: x1!, y1: y1!, x2: x2!, y2: y2!, score: c.scores[i]!, classId: c.classes[i]!, index: i }));
    const kept = fn(cands, resolveDecodeOptions({ iou: c.iou, maxDet: 10_000 }));
    expect(kept.map((k) => k.index)).toEqual(c.keep);
  });
});
