/**
 * entropyRange against an independent numpy/scipy implementation of TensorRT's documented
 * entropy calibration (KL threshold search, GTC 2017), on six activation-like histograms.
 * Golden from
 *   /usr/bin/python3 test/golden/make-entropy-golden.py > test/golden/entropy-calibration.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entropyRange } from '../lib/quantize/calibrators.js';
import { AbsHistogram } from '../lib/quantize/histogram.js';

interface Case { name: string; range: number; count: number; counts: number[]; amax: number; binsKept: number }
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'entropy-calibration.json'), 'utf8')) as { cases: Case[] };

describe('entropyRange equals the numpy reference of TensorRT entropy calibration', () => {
  it.each(golden.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const hist = new AbsHistogram({ range: c.range });
    hist.counts.set(c.counts);
    hist.count = c.count;
    hist.min = 0;
    hist.max = c.range;
    // same bin chosen; amax = (bins + 0.5) * width in float64 on both sides (scipy's KL sums in
    // another order, so a near-tie could pick a neighbour bin: none of these cases has one)
    expect(entropyRange(hist).amax).toBeCloseTo(c.amax, 12);
    expect(Math.round(entropyRange(hist).amax / hist.binWidth - 0.5)).toBe(Math.min(c.binsKept, 2048));
  });
});
