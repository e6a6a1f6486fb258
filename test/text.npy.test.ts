import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { YoloeTrtError } from '../lib/errors.js';
import { parseNpy, readNpy } from '../lib/text/index.js';
import { fixture } from './fixtures.js';

/** An .npy file as numpy.save writes it (header padded so the data starts 64-byte aligned). */
function npyBytes(descr: string, shape: string, data: Uint8Array, opts: { version?: number; fortran?: string; pad?: number } = {}): Buffer {
  const version = opts.version ?? 1;
  const lenBytes = version === 1 ? 2 : 4;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ?? 'False'}, 'shape': ${shape}, }`;
  const total = 8 + lenBytes + header.length + 1;
  header += ' '.repeat((opts.pad ?? 64) - (total % (opts.pad ?? 64) || (opts.pad ?? 64))) + '\n';
  const len = Buffer.alloc(lenBytes);
  if (version === 1) len.writeUInt16LE(header.length);
  else len.writeUInt32LE(header.length);
  return Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]), len, Buffer.from(header, 'latin1'), data]);
}
const f32 = (...v: number[]) => new Uint8Array(Float32Array.from(v).buffer);

function errorOf(f: () => unknown): YoloeTrtError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(YoloeTrtError);
    return e as YoloeTrtError;
  }
  throw new Error('expected a YoloeTrtError');
}

describe('.npy reader', () => {
  it('reads numpy-written float32 and int64 arrays (the text-reference fixtures)', () => {
    const emb = readNpy(fixture('yoloe', 'text-reference', 'L1_person-bus', 'class_embeddings.npy'));
    expect(emb.dtype).toBe('float32');
    expect(emb.shape).toEqual([1, 2, 512]);
    expect(emb.data.length).toBe(1024);
    // L2-normalised rows, as get_text_pe returns
    const row = emb.data.subarray(0, 512) as Float32Array;
    expect(Math.hypot(...row)).toBeCloseTo(1, 5);
    const tokens = readNpy(fixture('yoloe', 'text-reference', 'L1_person-bus', 'tokens.npy'));
    expect(tokens.dtype).toBe('int64');
    expect(tokens.shape).toEqual([2, 77]);
    expect(Array.from(tokens.data.subarray(0, 3) as BigInt64Array, Number)).toEqual([49406, 2533, 49407]);
  });

  it('parses versions 1 and 2, unaligned data, scalars and empty arrays', () => {
    expect(parseNpy(npyBytes('<f4', '(2, 2)', f32(1, 2, 3, 4)))).toEqual({ dtype: 'float32', shape: [2, 2], data: Float32Array.of(1, 2, 3, 4) });
    expect(parseNpy(npyBytes('<f4', '(3,)', f32(1, 2, 3), { version: 2 })).shape).toEqual([3]);
    expect(parseNpy(npyBytes('<f4', '(3,)', f32(1, 2, 3), { pad: 3 })).data).toEqual(Float32Array.of(1, 2, 3));
    expect(parseNpy(npyBytes('<f4', '()', f32(7)))).toMatchObject({ shape: [], data: Float32Array.of(7) });
    expect(parseNpy(npyBytes('<f4', '(0, 512)', new Uint8Array(0)))).toMatchObject({ shape: [0, 512] });
    expect(parseNpy(npyBytes('<i8', '(2,)', new Uint8Array(BigInt64Array.of(-1n, 49407n).buffer))).data).toEqual(BigInt64Array.of(-1n, 49407n));
  });

  it('refuses other dtypes, Fortran order, bad sizes and non-npy data with ERR_FILE_FORMAT', () => {
    const msg = (b: Uint8Array) => errorOf(() => parseNpy(b, 'x.npy'));
    expect(msg(npyBytes('>f4', '(1,)', f32(1))).message).toBe(`Not a readable .npy array (dtype ">f4"; supported: '<f4' (float32), '<i8' (int64)): x.npy`);
    expect(msg(npyBytes('<f8', '(1,)', new Uint8Array(8))).message).toMatch(/dtype "<f8"/);
    expect(msg(npyBytes('<i4', '(1,)', new Uint8Array(4))).code).toBe('ERR_FILE_FORMAT');
    expect(msg(npyBytes('<f4', '(2, 2)', f32(1, 2, 3, 4), { fortran: 'True' })).message).toMatch(/Fortran order/);
    expect(msg(npyBytes('<f4', '(2, 2)', f32(1, 2, 3))).message).toMatch(/needs 16 data bytes, the file has 12/);
    expect(msg(npyBytes('<f4', '(-1,)', f32(1))).message).toMatch(/shape/);
    expect(msg(Buffer.from('{"names": []}')).message).toMatch(/magic/);
    expect(msg(npyBytes('<f4', '(1,', f32(1))).message).toMatch(/unparsable header/);
    const bad = npyBytes('<f4', '(1,)', f32(1));
    bad[6] = 9;
    expect(msg(bad).message).toMatch(/format version 9/);
    expect(msg(bad.subarray(0, 9)).code).toBe('ERR_FILE_FORMAT');
  });

  it('a missing file is ERR_FILE_NOT_FOUND; a directory is ERR_FILE_FORMAT', () => {
    expect(errorOf(() => readNpy('/nope/emb.npy')).code).toBe('ERR_FILE_NOT_FOUND');
    const dir = mkdtempSync(join(tmpdir(), 'npy-'));
    expect(errorOf(() => readNpy(dir)).code).toBe('ERR_FILE_FORMAT');
    writeFileSync(join(dir, 'a.npy'), npyBytes('<f4', '(1, 2)', f32(0.5, -2)));
    expect(readNpy(join(dir, 'a.npy')).data).toEqual(Float32Array.of(0.5, -2));
  });
});
