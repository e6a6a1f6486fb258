/**
 * letterboxGeometry against Ultralytics' LetterBox done with OpenCV, the geometry measured on
 * the image OpenCV produced: 120 cases, predict settings and auto mode with strides 32, 64 and
 * 128 (25 of the stride-64 cases give another canvas than stride 32 would). Golden from
 *   /usr/bin/python3 test/golden/make-letterbox-golden.py > test/golden/letterbox-cv2.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { letterboxGeometry } from '../lib/image/letterbox.js';

interface Case {
  src: [number, number];
  dst: [number, number];
  options: { auto: boolean; stride: number; scaleUp: boolean; center: boolean };
  expected: { dstWidth: number; dstHeight: number; top: number; bottom: number; left: number; right: number; newWidth: number; newHeight: number };
}
const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'letterbox-cv2.json'), 'utf8')) as { cases: Case[] };

describe('letterboxGeometry equals OpenCV LetterBox output', () => {
  it('covers stride 64 and 128 in auto mode', () => {
    expect(golden.cases.filter((c) => c.options.auto && c.options.stride === 64).length).toBeGreaterThan(20);
    expect(golden.cases.some((c) => c.options.auto && c.options.stride === 128)).toBe(true);
  });
  it.each(golden.cases.map((c) => [`${c.src.join('x')} -> ${c.dst.join('x')} ${JSON.stringify(c.options)}`, c] as const))('%s', (_name, c) => {
    const g = letterboxGeometry(c.src[0], c.src[1], c.dst[0], c.dst[1], c.options);
    expect({ dstWidth: g.dstWidth, dstHeight: g.dstHeight, top: g.top, bottom: g.bottom, left: g.left, right: g.right, newWidth: g.newWidth, newHeight: g.newHeight }).toEqual(c.expected);
  });
});
