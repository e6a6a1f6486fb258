import { describe, expect, it } from 'vitest';
import { ProtoReader, ProtoWriter, packedField, readRepeated, WIRE_FIXED32, WIRE_LENGTH, WIRE_VARINT } from '../lib/onnx/protobuf.js';
import { YoloeTrtError } from '../lib/errors.js';

function bytesOf(write: (w: ProtoWriter) => void): Uint8Array {
  const w = new ProtoWriter();
  write(w);
  return w.finish();
}

describe('protobuf varints', () => {
  it('encodes the canonical wire bytes of known values', () => {
    expect([...bytesOf((w) => w.varint(0))]).toEqual([0]);
    expect([...bytesOf((w) => w.varint(1))]).toEqual([1]);
    expect([...bytesOf((w) => w.varint(300))]).toEqual([0xac, 0x02]);
    // int64 -1 is ten bytes of two's complement
    expect([...bytesOf((w) => w.int64(-1))]).toEqual([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('round-trips values across the whole 64-bit range', () => {
    const values: bigint[] = [0n, 1n, 127n, 128n, 16383n, 16384n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -1n, -(2n ** 63n), -123456789012345n];
    for (const v of values) {
      const bytes = bytesOf((w) => w.int64(v));
      const r = new ProtoReader(bytes);
      const back = r.readInt64();
      expect(BigInt(back)).toBe(v);
      expect(r.done).toBe(true);
      // numbers come back as numbers when safe, bigints otherwise
      expect(typeof back).toBe(v >= 1n - 2n ** 53n && v <= 2n ** 53n - 1n ? 'number' : 'bigint');
      expect(new ProtoReader(bytes).readVarintBig()).toBe(BigInt.asUintN(64, v));
    }
    for (const n of [0, 1, 300, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER]) {
      expect(new ProtoReader(bytesOf((w) => w.varint(n))).readVarint()).toBe(n);
    }
  });

  it('reads sign-extended int32 values', () => {
    expect(new ProtoReader(bytesOf((w) => w.int64(-5))).readInt32()).toBe(-5);
    expect(new ProtoReader(bytesOf((w) => w.int64(2 ** 31 - 1))).readInt32()).toBe(2 ** 31 - 1);
  });

  it('rejects truncated and over-long varints with ERR_MODEL_FORMAT', () => {
    expect(() => new ProtoReader(Uint8Array.of(0x80, 0x80)).readVarint()).toThrow(YoloeTrtError);
    expect(() => new ProtoReader(new Uint8Array(11).fill(0x80)).readVarintBig()).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT', message: expect.stringMatching(/longer than 10 bytes/) }));
    expect(() => new ProtoReader(Uint8Array.of(0x80)).readVarint()).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
  });
});

describe('protobuf fixed and length-delimited fields', () => {
  it('round-trips fixed32 floats and fixed64 doubles exactly', () => {
    const floats = [0, -0, 1.5, -3.25, 3.4028234663852886e38, 2 ** -149, Math.fround(Math.PI)];
    const bytes = bytesOf((w) => floats.forEach((f) => w.fixed32Float(f)));
    expect(bytes.length).toBe(4 * floats.length);
    const r = new ProtoReader(bytes);
    for (const f of floats) expect(Object.is(r.readFixed32Float(), f)).toBe(true);
    const doubles = [Math.PI, -1e300, 5e-324];
    const r2 = new ProtoReader(bytesOf((w) => doubles.forEach((d) => w.fixed64Double(d))));
    for (const d of doubles) expect(r2.readFixed64Double()).toBe(d);
  });

  it('writes strings and bytes with a length prefix and reads views without copying', () => {
    const big = new Uint8Array(5000).map((_, i) => i & 0xff);
    const bytes = bytesOf((w) => {
      w.stringField(8, 'héllo');
      w.bytesField(9, big);
    });
    const r = new ProtoReader(bytes);
    expect(r.readTag()).toEqual([8, WIRE_LENGTH]);
    expect(r.readString()).toBe('héllo');
    expect(r.readTag()).toEqual([9, WIRE_LENGTH]);
    const view = r.readBytes();
    expect(view).toEqual(big);
    expect(view.buffer).toBe(bytes.buffer); // a view into the input, not a copy
  });

  it('reads repeated scalars both packed and unpacked', () => {
    const packed = bytesOf((w) => packedField(w, 7, (p) => [1, -1, 2 ** 40].forEach((v) => p.int64(v))));
    const unpacked = bytesOf((w) => [1, -1, 2 ** 40].forEach((v) => w.int64Field(7, v)));
    for (const bytes of [packed, unpacked]) {
      const r = new ProtoReader(bytes);
      const out: (number | bigint)[] = [];
      while (!r.done) {
        const [field, wire] = r.readTag();
        expect(field).toBe(7);
        readRepeated(r, wire, WIRE_VARINT, (s) => s.readInt64(), out);
      }
      expect(out).toEqual([1, -1, 2 ** 40]);
    }
    const floats = bytesOf((w) => packedField(w, 4, (p) => [0.5, 2].forEach((v) => p.fixed32Float(v))));
    const r = new ProtoReader(floats);
    const [, wire] = r.readTag();
    const out: number[] = [];
    readRepeated(r, wire, WIRE_FIXED32, (s) => s.readFixed32Float(), out);
    expect(out).toEqual([0.5, 2]);
  });

  it('skips unknown fields of every wire type and returns their exact bytes', () => {
    const bytes = bytesOf((w) => {
      w.int64Field(100, -7);
      w.tag(101, 1);
      w.fixed64Double(1.25);
      w.stringField(102, 'keep me');
      w.tag(103, 5);
      w.fixed32Float(2);
    });
    const r = new ProtoReader(bytes);
    const pieces: Uint8Array[] = [];
    while (!r.done) {
      const start = r.pos;
      const [field, wire] = r.readTag();
      pieces.push(r.skip(field, wire, start).bytes);
    }
    expect(pieces.length).toBe(4);
    expect(Buffer.concat(pieces)).toEqual(Buffer.from(bytes));
    expect(() => new ProtoReader(Uint8Array.of(0x0b)).skip(1, 3, 0)).toThrow(/wire type 3/);
  });
});
