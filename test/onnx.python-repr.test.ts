/**
 * pythonStringRepr against CPython's repr() itself (Debian python3), on random strings with
 * quotes, controls, Latin-1, BMP and astral characters, lone surrogates, format/separator and
 * private-use characters, and every code point below 256. Golden from
 *   /usr/bin/python3 test/golden/make-python-repr-golden.py > test/golden/python-repr.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePythonLiteral, pythonRepr, pythonStringRepr } from '../lib/onnx/python-literal.js';

const golden = JSON.parse(readFileSync(join(import.meta.dirname, 'golden', 'python-repr.json'), 'utf8')) as { cases: [string, string][] };

describe("pythonStringRepr equals CPython's repr", () => {
  it('on all golden strings', () => {
    expect(golden.cases.length).toBeGreaterThan(1000);
    const wrong = golden.cases.filter(([s, repr]) => pythonStringRepr(s) !== repr).map(([s, repr]) => ({ s, repr, ours: pythonStringRepr(s) }));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('parses back to the same string (the literal parser reads every escape repr writes)', () => {
    const wrong = golden.cases.filter(([s, repr]) => parsePythonLiteral(repr) !== s).map(([s, repr]) => ({ s, repr }));
    expect(wrong.slice(0, 5)).toEqual([]);
  });

  it('is what pythonRepr writes for strings inside containers', () => {
    const [[s, repr]] = golden.cases.filter(([x]) => x.length > 3).slice(0, 1) as [[string, string]];
    expect(pythonRepr({ 0: s, k: [s] })).toBe(`{0: ${repr}, 'k': [${repr}]}`);
  });
});
