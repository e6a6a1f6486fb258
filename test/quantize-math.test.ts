/**
 * Calibration statistics and calibrators on synthetic distributions, and the TensorRT
 * calibration cache format.
 */
import { describe, expect, it } from 'vitest';
import { entropyRange, minmaxRange, percentileRange } from '../lib/quantize/calibrators.js';
import { AbsHistogram, RangeHistogram } from '../lib/quantize/histogram.js';
import { amaxToHex, decodeTrtVersion, encodeTrtVersion, hexToAmax, readTrtCache, retargetTrtCache, writeTrtCache } from '../lib/quantize/trt-cache.js';
import { rng } from './random.js';


function gaussian(n: number, seed: number, sigma = 1): Float32Array {
  const u = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const r = Math.sqrt(-2 * Math.log(1 - u())) * sigma;
    const th = 2 * Math.PI * u();
    out[i] = r * Math.cos(th);
    if (i + 1 < n) out[i + 1] = r * Math.sin(th);
  }
  return out;
}

function uniform(n: number, lo: number, hi: number, seed: number): Float32Array {
  const u = rng(seed);
  return Float32Array.from({ length: n }, () => lo + (hi - lo) * u());
}

/** Value below which `p`% of |x| lies, from a sorted copy (nearest rank). */
function sortedAbsPercentile(values: Float32Array, p: number): number {
  const abs = Float64Array.from(values, Math.abs).sort();
  return abs[Math.min(abs.length - 1, Math.ceil((p / 100) * abs.length) - 1)]!;
}

describe('AbsHistogram', () => {
  it('keeps exact min/max/absmax and total count across batches', () => {
    const h = new AbsHistogram();
    h.add(Float32Array.of(0.5, -2, 1));
    h.add([3, -0.25]);
    expect([h.min, h.max, h.absmax, h.count]).toEqual([-2, 3, 3, 5]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('first batch sets the grid [0, absmax]; growth doubles the range and merges bin pairs exactly', () => {
    const h = new AbsHistogram({ bins: 8 });
    h.add([0, 0.1, 0.6, 0.9, 1]); // range 1, width 0.125: bins 0, 0, 4, 7, 7 (the max goes into the last bin)
    expect(Array.from(h.counts)).toEqual([2, 0, 0, 0, 1, 0, 0, 2]);
    h.add([3.5]); // range 1 -> 2 -> 4, each doubling merges pairs; 3.5 lands in bin 7 of width 0.5
    expect(h.range).toBe(4);
    expect(Array.from(h.counts)).toEqual([2, 3, 0, 0, 0, 0, 0, 1]);
  });

  it('zeros before the first non-zero value are kept', () => {
    const h = new AbsHistogram({ bins: 4 });
    h.add(new Float32Array(10));
    expect(h.range).toBe(0);
    h.add([2]);
    expect(Array.from(h.counts)).toEqual([10, 0, 0, 1]);
  });

  it('a given range avoids growth: the exact TensorRT grid', () => {
    const h = new AbsHistogram({ range: 8 });
    h.add([1, 2]);
    h.add([8]);
    expect(h.range).toBe(8);
    expect(h.binWidth).toBe(8 / 2048);
  });

  it('streams: 8 batches give exactly 8 times the counts of one batch (nothing kept per batch)', () => {
    const batch = gaussian(1 << 16, 1);
    const one = new AbsHistogram();
    one.add(batch);
    const eight = new AbsHistogram();
    for (let i = 0; i < 8; i++) eight.add(batch);
    expect(eight.range).toBe(one.range);
    expect(eight.count).toBe(8 << 16);
    expect(Array.from(eight.counts)).toEqual(Array.from(one.counts, (c) => 8 * c));
  });

  it('rejects NaN and infinities with ERR_CALIBRATION, and bad options', () => {
    expect(() => new AbsHistogram().add([1, NaN])).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION' }));
    expect(() => new AbsHistogram().add([Infinity])).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION' }));
    expect(() => new AbsHistogram({ bins: 7 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => new AbsHistogram({ range: -1 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });
});

describe('RangeHistogram (asymmetric)', () => {
  it('grows both ways with exact pair merges', () => {
    const h = new RangeHistogram({ bins: 4 });
    h.add([0, 4]); // origin 0, width 1: bins 0 and 3
    h.add([-3]); // grow down: origin -4, width 2; old [0,4) becomes bins 2..3
    expect([h.origin, h.width]).toEqual([-4, 2]);
    expect(Array.from(h.counts)).toEqual([1, 0, 1, 1]);
    h.add([9]); // grow up: width 4, covering [-4, 12)
    expect([h.origin, h.width, h.end]).toEqual([-4, 4, 12]);
    expect(Array.from(h.counts)).toEqual([1, 2, 0, 1]);
  });

  it('constant batches wait for a range', () => {
    const h = new RangeHistogram({ bins: 4 });
    h.add([2, 2, 2]);
    h.add([6]);
    expect(Array.from(h.counts)).toEqual([3, 0, 0, 1]);
    const constant = new RangeHistogram();
    constant.add([2, 2]);
    expect(percentileRange(constant, 99)).toEqual({ min: 2, max: 2 });
    expect(minmaxRange(constant, 'asymmetric')).toEqual({ min: 2, max: 2 });
  });
});

describe('calibrators', () => {
  it('minmax: uniform data gives its max', () => {
    const h = new AbsHistogram();
    h.add(uniform(100000, -1, 3, 2));
    expect(minmaxRange(h).amax).toBeCloseTo(3, 3);
    expect(minmaxRange(h, 'asymmetric').min).toBeCloseTo(-1, 3);
  });

  it('percentile matches a sorted-array percentile within one bin width', () => {
    const data = gaussian(200000, 3);
    const h = new AbsHistogram();
    h.add(data);
    for (const p of [99, 99.9, 99.99, 99.999]) {
      const { amax } = percentileRange(h, p);
      const exact = sortedAbsPercentile(data, p);
      expect(Math.abs(amax - exact), `p=${p}`).toBeLessThanOrEqual(h.binWidth);
      expect(amax).toBeGreaterThanOrEqual(exact);
    }
    expect(percentileRange(h).amax).toBe(percentileRange(h, 99.999).amax);
    expect(() => percentileRange(h, 0)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('asymmetric percentile clips each tail', () => {
    const data = uniform(100000, -2, 6, 4);
    const h = new RangeHistogram();
    h.add(data);
    const { min, max } = percentileRange(h, 99);
    expect(min).toBeCloseTo(-2 + 0.01 * 8, 1);
    expect(max).toBeCloseTo(6 - 0.01 * 8, 1);
  });

  it('entropy clips rare outliers of a gaussian but keeps the body', () => {
    const data = gaussian(1 << 20, 5);
    for (let i = 0; i < 20; i++) data[i * 1000] = 40 + i; // 20 outliers up to 59
    const h = new AbsHistogram();
    h.add(data);
    const { amax } = entropyRange(h);
    expect(h.absmax).toBe(59);
    expect(amax).toBeGreaterThan(2.5); // keeps the body (|x| < 2.5 is 98.8% of the mass)
    expect(amax).toBeLessThan(10); // far below the outliers
  });

  it('entropy on uniform data keeps (nearly) the whole range', () => {
    const h = new AbsHistogram();
    h.add(uniform(1 << 20, -1, 1, 6));
    expect(entropyRange(h).amax).toBeGreaterThan(0.9);
  });

  it('empty statistics are an ERR_CALIBRATION', () => {
    expect(() => entropyRange(new AbsHistogram())).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION' }));
    expect(() => minmaxRange(new AbsHistogram())).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION' }));
  });
});

describe('TensorRT calibration cache', () => {
  it('encodes versions: >= 10 as M*10000 + m*100 + p, <= 9 as M*1000 + m*100 + p', () => {
    expect(encodeTrtVersion({ major: 8, minor: 6, patch: 1 })).toBe(8601);
    expect(encodeTrtVersion({ major: 10, minor: 3, patch: 0 })).toBe(100300);
    expect(encodeTrtVersion({ major: 11, minor: 0, patch: 12 })).toBe(110012);
    expect(decodeTrtVersion(8601)).toEqual({ major: 8, minor: 6, patch: 1 });
    expect(decodeTrtVersion(100300)).toEqual({ major: 10, minor: 3, patch: 0 });
    expect(() => decodeTrtVersion(50000)).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION' }));
    expect(() => encodeTrtVersion({ major: 8, minor: 12, patch: 0 })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('writes amax/127 as big-endian float32 hex: amax 127 -> scale 1.0 -> 3f800000', () => {
    expect(amaxToHex(127)).toBe('3f800000');
    expect(amaxToHex(254)).toBe('40000000'); // scale 2.0
    expect(amaxToHex(0)).toBe('00000000');
    // amax 1 -> 1/127 = 0.007874016 -> float32 bits 0x3c010204
    expect(amaxToHex(1)).toBe('3c010204');
    const text = writeTrtCache({ version: { major: 8, minor: 6, patch: 1 }, algorithm: 'EntropyCalibration2', scales: new Map([['images', 127], ['input:0', 1]]) });
    expect(text).toBe('TRT-8601-EntropyCalibration2\nimages: 3f800000\ninput:0: 3c010204\n');
  });

  it('round-trips, splitting names on the last colon', () => {
    const scales = new Map([['/model.0/conv/Conv_output_0', 3.25], ['a:b:c', 0.125], ['(Unnamed Layer* 3) [Convolution]_output', 17.5]]);
    const text = writeTrtCache({ version: { major: 10, minor: 8, patch: 0 }, algorithm: 'MinMaxCalibration', scales });
    const cache = readTrtCache(text);
    expect(cache.version).toEqual({ major: 10, minor: 8, patch: 0 });
    expect(cache.algorithm).toBe('MinMaxCalibration');
    expect([...cache.amax.keys()]).toEqual([...scales.keys()]);
    for (const [name, amax] of scales) expect(cache.amax.get(name)).toBeCloseTo(amax, 5);
    // float32 scales survive a second round exactly
    expect(writeTrtCache({ version: cache.version, algorithm: cache.algorithm, scales: cache.amax })).toBe(text);
    expect(hexToAmax('3f800000')).toBe(127);
    expect(readTrtCache(text.replace(/\n/g, '\r\n')).amax.size).toBe(3);
  });

  it('retargets the header to another TensorRT version, scales untouched', () => {
    const text = 'TRT-8601-EntropyCalibration2\nimages: 3f800000\nout: 3c010204\n';
    expect(retargetTrtCache(text, { major: 10, minor: 3, patch: 0 })).toBe('TRT-100300-EntropyCalibration2\nimages: 3f800000\nout: 3c010204\n');
  });

  it('reports corrupt caches with ERR_CALIBRATION and the line', () => {
    const bad = (text: string, pattern: RegExp) => expect(() => readTrtCache(text)).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION', message: expect.stringMatching(pattern) }));
    bad('', /Line 1/);
    bad('TRT-8601-Magic\n', /Unknown calibration algorithm/);
    bad('TRT-8601-EntropyCalibration2\nimages 3f800000\n', /Line 2/);
    bad('TRT-8601-EntropyCalibration2\nimages: 3f80000g\n', /Line 2/);
    bad('TRT-8601-EntropyCalibration2\nimages: 7fc00000\n', /unusable scale/);
    bad('TRT-8601-EntropyCalibration2\na: 3f800000\na: 3f800000\n', /twice/);
    expect(() => writeTrtCache({ version: { major: 10, minor: 0, patch: 0 }, algorithm: 'EntropyCalibration2', scales: new Map([['x', NaN]]) })).toThrow(
      expect.objectContaining({ code: 'ERR_CALIBRATION' }),
    );
  });
});
