/**
 * A minimal protobuf wire-format codec: just what ONNX needs (varints up to 64 bits,
 * length-delimited, fixed32/fixed64, packed repeated scalars). Unknown fields are kept as
 * raw bytes so a decode -> encode round trip loses nothing we do not model.
 */
import { YoloeTrtError } from '../errors.js';

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH = 2;
export const WIRE_FIXED32 = 5;

/** A field we do not model: its number and its complete encoding (tag included). */
export interface UnknownField {
  field: number;
  bytes: Uint8Array;
}

/** A 64-bit integer: a number when it is a safe integer, a bigint otherwise (e.g. INT64_MAX). */
export type Int64 = number | bigint;

const utf8Decoder = new TextDecoder('utf-8');
const utf8Encoder = new TextEncoder();

function truncated(what: string): YoloeTrtError {
  return new YoloeTrtError('ERR_MODEL_FORMAT', `Invalid protobuf data: truncated ${what}`);
}

export class ProtoReader {
  readonly bytes: Uint8Array;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint as a number; exact below 2^53 (tags, lengths, enums, dims). */
  readVarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw truncated('varint');
      const byte = this.bytes[this.pos++]!;
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new YoloeTrtError('ERR_MODEL_FORMAT', 'Invalid protobuf data: varint longer than 10 bytes');
  }

  /** An unsigned varint as an exact 64-bit bigint. */
  readVarintBig(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw truncated('varint');
      const byte = this.bytes[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if (byte < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new YoloeTrtError('ERR_MODEL_FORMAT', 'Invalid protobuf data: varint longer than 10 bytes');
  }

  /** A signed int64 varint (two's complement, not zigzag), as a number when safe. */
  readInt64(): Int64 {
    const start = this.pos;
    // Fast path: small non-negative values fit in a few bytes.
    const first = this.bytes[start];
    if (first !== undefined && first < 0x80 && start < this.end) {
      this.pos++;
      return first;
    }
    const value = BigInt.asIntN(64, this.readVarintBig());
    return toInt64(value);
  }

  /** A signed int32 varint (negative values are sign-extended to 10 bytes on the wire). */
  readInt32(): number {
    return Number(BigInt.asIntN(32, this.readVarintBig()));
  }

  readFixed32Float(): number {
    if (this.pos + 4 > this.end) throw truncated('fixed32');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 4);
    this.pos += 4;
    return view.getFloat32(0, true);
  }

  readFixed64Double(): number {
    if (this.pos + 8 > this.end) throw truncated('fixed64');
    const view = new DataView(this.bytes.buffer, this.bytes.byteOffset + this.pos, 8);
    this.pos += 8;
    return view.getFloat64(0, true);
  }

  /** A length-delimited payload as a view (no copy) of the underlying bytes. */
  readBytes(): Uint8Array {
    const length = this.readVarint();
    if (this.pos + length > this.end) throw truncated('length-delimited field');
    const view = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    return view;
  }

  readString(): string {
    return utf8Decoder.decode(this.readBytes());
  }

  /** A sub-reader over a length-delimited payload (an embedded message or a packed run). */
  readSub(): ProtoReader {
    const length = this.readVarint();
    if (this.pos + length > this.end) throw truncated('embedded message');
    const sub = new ProtoReader(this.bytes, this.pos, this.pos + length);
    this.pos += length;
    return sub;
  }

  /** Reads a tag; returns [fieldNumber, wireType]. */
  readTag(): [number, number] {
    const tag = this.readVarint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (field === 0) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'Invalid protobuf data: field number 0');
    return [field, wire];
  }

  /** Skips the payload of a field whose tag started at `tagStart`; returns the field's raw bytes. */
  skip(field: number, wire: number, tagStart: number): UnknownField {
    switch (wire) {
      case WIRE_VARINT:
        this.readVarintBig();
        break;
      case WIRE_FIXED64:
        if (this.pos + 8 > this.end) throw truncated('fixed64');
        this.pos += 8;
        break;
      case WIRE_LENGTH:
        this.readBytes();
        break;
      case WIRE_FIXED32:
        if (this.pos + 4 > this.end) throw truncated('fixed32');
        this.pos += 4;
        break;
      default:
        throw new YoloeTrtError('ERR_MODEL_FORMAT', `Invalid protobuf data: unsupported wire type ${wire} (field ${field})`);
    }
    return { field, bytes: this.bytes.subarray(tagStart, this.pos) };
  }
}

export function toInt64(value: bigint): Int64 {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/**
 * Reads a repeated scalar that may arrive packed (one length-delimited run) or unpacked
 * (one value per tag): protobuf parsers must accept both.
 */
export function readRepeated<T>(reader: ProtoReader, wire: number, scalarWire: number, readOne: (r: ProtoReader) => T, into: T[]): void {
  if (wire === WIRE_LENGTH && scalarWire !== WIRE_LENGTH) {
    const sub = reader.readSub();
    while (!sub.done) into.push(readOne(sub));
  } else if (wire === scalarWire) {
    into.push(readOne(reader));
  } else {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Invalid protobuf data: wire type ${wire} for a repeated scalar`);
  }
}

/** Checks a field's wire type against the schema: a mismatch means the bytes are not this message. */
export function expectWire(field: number, wire: number, expected: number, message: string): void {
  if (wire !== expected) {
    throw new YoloeTrtError(
      'ERR_MODEL_FORMAT',
      `Invalid ONNX data: field ${field} of ${message} has wire type ${wire}, expected ${expected}`,
    );
  }
}

// ---------------------------------------------------------------------------------- writer

/** Chunks of an encoded message; big byte payloads are referenced, not copied, until finish(). */
export interface Encoded {
  chunks: Uint8Array[];
  length: number;
}

// small messages are the common case: start with a small scratch buffer and grow it
const SCRATCH_START = 64;
const SCRATCH_MAX = 8192;
const BIG_PAYLOAD = 1024;

export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  private scratch = new Uint8Array(SCRATCH_START);
  private used = 0;

  private flush(): void {
    if (this.used > 0) {
      this.chunks.push(this.scratch.subarray(0, this.used));
      this.scratch = new Uint8Array(Math.min(SCRATCH_MAX, this.scratch.length * 2));
      this.used = 0;
    }
  }

  private reserve(n: number): void {
    if (this.used + n > this.scratch.length) {
      this.flush();
      if (n > this.scratch.length) this.scratch = new Uint8Array(Math.max(n, this.scratch.length));
    }
  }

  private pushByte(byte: number): void {
    this.scratch[this.used++] = byte;
    this.length++;
  }

  /** Unsigned varint from a non-negative safe integer. */
  varint(value: number): void {
    if (!Number.isSafeInteger(value) || value < 0) {
      this.varintBig(BigInt(value));
      return;
    }
    this.reserve(10);
    while (value >= 0x80) {
      this.pushByte((value % 128) | 0x80);
      value = Math.floor(value / 128);
    }
    this.pushByte(value);
  }

  /** Any 64-bit integer, negative ones in two's complement (10 bytes), as protobuf int64 does. */
  varintBig(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    this.reserve(10);
    while (v >= 0x80n) {
      this.pushByte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.pushByte(Number(v));
  }

  int64(value: Int64): void {
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) this.varint(value);
    else this.varintBig(BigInt(value));
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  fixed32Float(value: number): void {
    this.reserve(4);
    new DataView(this.scratch.buffer, this.scratch.byteOffset + this.used, 4).setFloat32(0, value, true);
    this.used += 4;
    this.length += 4;
  }

  fixed64Double(value: number): void {
    this.reserve(8);
    new DataView(this.scratch.buffer, this.scratch.byteOffset + this.used, 8).setFloat64(0, value, true);
    this.used += 8;
    this.length += 8;
  }

  /** Raw bytes, without a length prefix. Large payloads are referenced, not copied. */
  raw(bytes: Uint8Array): void {
    if (bytes.length >= BIG_PAYLOAD) {
      this.flush();
      this.chunks.push(bytes);
      this.length += bytes.length;
      return;
    }
    this.reserve(bytes.length);
    this.scratch.set(bytes, this.used);
    this.used += bytes.length;
    this.length += bytes.length;
  }

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LENGTH);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, utf8Encoder.encode(value));
  }

  int64Field(field: number, value: Int64): void {
    this.tag(field, WIRE_VARINT);
    this.int64(value);
  }

  /** Embeds an encoded sub-message as a length-delimited field. */
  messageField(field: number, message: Encoded): void {
    this.tag(field, WIRE_LENGTH);
    this.varint(message.length);
    this.flush();
    for (const chunk of message.chunks) this.chunks.push(chunk);
    this.length += message.length;
  }

  unknown(fields: readonly UnknownField[] | undefined): void {
    if (fields) for (const f of fields) this.raw(f.bytes);
  }

  /** The chunks so far, for embedding into a parent message. */
  encoded(): Encoded {
    this.flush();
    return { chunks: this.chunks, length: this.length };
  }

  /** One contiguous buffer. */
  finish(): Uint8Array {
    const { chunks, length } = this.encoded();
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}

/** Encodes a run of values with a writer callback as one packed length-delimited field. */
export function packedField(w: ProtoWriter, field: number, write: (inner: ProtoWriter) => void): void {
  const inner = new ProtoWriter();
  write(inner);
  w.messageField(field, inner.encoded());
}
