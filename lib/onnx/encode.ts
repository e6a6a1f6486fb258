/**
 * ONNX message encoders. Fields go out in field-number order (what protobuf's own serializers
 * do), unknown fields merged in at their number, repeated scalars packed exactly where
 * onnx.proto says `[packed = true]` (proto2 leaves the others unpacked). That makes
 * encode(decode(bytes)) byte-identical for files written by protobuf.
 */
import { ProtoWriter, WIRE_FIXED32, packedField, type Encoded, type UnknownField } from './protobuf.js';
import type {
  AttributeProto,
  GraphProto,
  NodeProto,
  OnnxModel,
  OperatorSetId,
  StringStringEntry,
  TensorProto,
  TensorShape,
  TensorShapeDim,
  TensorTypeProto,
  TypeProto,
  ValueInfoProto,
} from './proto-types.js';

/** Emits unknown fields interleaved with the known ones, by field number. */
class UnknownMerger {
  private readonly fields: UnknownField[];
  private next = 0;

  constructor(private readonly w: ProtoWriter, unknown: UnknownField[] | undefined) {
    // a stable sort keeps repeated unknown fields in their original order
    this.fields = unknown ? [...unknown].sort((a, b) => a.field - b.field) : [];
  }

  /** Writes the unknown fields numbered below `field`. */
  before(field: number): ProtoWriter {
    while (this.next < this.fields.length && this.fields[this.next]!.field < field) {
      this.w.raw(this.fields[this.next++]!.bytes);
    }
    return this.w;
  }

  rest(): void {
    this.before(Number.MAX_SAFE_INTEGER);
  }
}

function finishMessage(w: ProtoWriter, u: UnknownMerger): Encoded {
  u.rest();
  return w.encoded();
}

export function encodeStringStringEntry(m: StringStringEntry): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.key !== undefined) u.before(1).stringField(1, m.key);
  if (m.value !== undefined) u.before(2).stringField(2, m.value);
  return finishMessage(w, u);
}

export function encodeOperatorSetId(m: OperatorSetId): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.domain !== undefined) u.before(1).stringField(1, m.domain);
  if (m.version !== undefined) u.before(2).int64Field(2, m.version);
  return finishMessage(w, u);
}

function encodeDim(m: TensorShapeDim): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.dimValue !== undefined) u.before(1).int64Field(1, m.dimValue);
  if (m.dimParam !== undefined) u.before(2).stringField(2, m.dimParam);
  if (m.denotation !== undefined) u.before(3).stringField(3, m.denotation);
  return finishMessage(w, u);
}

function encodeShape(m: TensorShape): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  u.before(1);
  for (const d of m.dim) w.messageField(1, encodeDim(d));
  return finishMessage(w, u);
}

function encodeTensorType(m: TensorTypeProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.elemType !== undefined) u.before(1).int64Field(1, m.elemType);
  if (m.shape !== undefined) u.before(2).messageField(2, encodeShape(m.shape));
  return finishMessage(w, u);
}

export function encodeTypeProto(m: TypeProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.tensorType !== undefined) u.before(1).messageField(1, encodeTensorType(m.tensorType));
  if (m.denotation !== undefined) u.before(6).stringField(6, m.denotation);
  return finishMessage(w, u);
}

export function encodeValueInfo(m: ValueInfoProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.name !== undefined) u.before(1).stringField(1, m.name);
  if (m.type !== undefined) u.before(2).messageField(2, encodeTypeProto(m.type));
  if (m.docString !== undefined) u.before(3).stringField(3, m.docString);
  return finishMessage(w, u);
}

export function encodeTensor(m: TensorProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  u.before(1);
  for (const d of m.dims) w.int64Field(1, d); // unpacked in proto2
  if (m.dataType !== undefined) u.before(2).int64Field(2, m.dataType);
  if (m.floatData.length > 0) {
    const data = m.floatData;
    packedField(u.before(4), 4, (p) => p.raw(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  }
  if (m.int32Data.length > 0) packedField(u.before(5), 5, (p) => m.int32Data.forEach((v) => p.int64(v)));
  if (m.int64Data.length > 0) packedField(u.before(7), 7, (p) => m.int64Data.forEach((v) => p.int64(v)));
  if (m.name !== undefined) u.before(8).stringField(8, m.name);
  if (m.rawData !== undefined) u.before(9).bytesField(9, m.rawData);
  if (m.doubleData.length > 0) packedField(u.before(10), 10, (p) => m.doubleData.forEach((v) => p.fixed64Double(v)));
  if (m.uint64Data.length > 0) packedField(u.before(11), 11, (p) => m.uint64Data.forEach((v) => p.varintBig(v)));
  if (m.docString !== undefined) u.before(12).stringField(12, m.docString);
  u.before(13);
  for (const e of m.externalData) w.messageField(13, encodeStringStringEntry(e));
  if (m.dataLocation !== undefined) u.before(14).int64Field(14, m.dataLocation);
  return finishMessage(w, u);
}

export function encodeAttribute(m: AttributeProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.name !== undefined) u.before(1).stringField(1, m.name);
  if (m.f !== undefined) {
    u.before(2).tag(2, WIRE_FIXED32);
    w.fixed32Float(m.f);
  }
  if (m.i !== undefined) u.before(3).int64Field(3, m.i);
  if (m.s !== undefined) u.before(4).bytesField(4, m.s);
  if (m.t !== undefined) u.before(5).messageField(5, encodeTensor(m.t));
  if (m.g !== undefined) u.before(6).messageField(6, encodeGraph(m.g));
  u.before(7);
  for (const v of m.floats) {
    w.tag(7, WIRE_FIXED32);
    w.fixed32Float(v);
  }
  u.before(8);
  for (const v of m.ints) w.int64Field(8, v);
  u.before(9);
  for (const v of m.strings) w.bytesField(9, v);
  u.before(10);
  for (const t of m.tensors) w.messageField(10, encodeTensor(t));
  u.before(11);
  for (const g of m.graphs) w.messageField(11, encodeGraph(g));
  if (m.docString !== undefined) u.before(13).stringField(13, m.docString);
  if (m.type !== undefined) u.before(20).int64Field(20, m.type);
  if (m.refAttrName !== undefined) u.before(21).stringField(21, m.refAttrName);
  return finishMessage(w, u);
}

export function encodeNode(m: NodeProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  u.before(1);
  for (const s of m.input) w.stringField(1, s);
  u.before(2);
  for (const s of m.output) w.stringField(2, s);
  if (m.name !== undefined) u.before(3).stringField(3, m.name);
  if (m.opType !== undefined) u.before(4).stringField(4, m.opType);
  u.before(5);
  for (const a of m.attribute) w.messageField(5, encodeAttribute(a));
  if (m.docString !== undefined) u.before(6).stringField(6, m.docString);
  if (m.domain !== undefined) u.before(7).stringField(7, m.domain);
  return finishMessage(w, u);
}

export function encodeGraph(m: GraphProto): Encoded {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  u.before(1);
  for (const n of m.node) w.messageField(1, encodeNode(n));
  if (m.name !== undefined) u.before(2).stringField(2, m.name);
  u.before(5);
  for (const t of m.initializer) w.messageField(5, encodeTensor(t));
  if (m.docString !== undefined) u.before(10).stringField(10, m.docString);
  u.before(11);
  for (const v of m.input) w.messageField(11, encodeValueInfo(v));
  u.before(12);
  for (const v of m.output) w.messageField(12, encodeValueInfo(v));
  u.before(13);
  for (const v of m.valueInfo) w.messageField(13, encodeValueInfo(v));
  return finishMessage(w, u);
}

export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter();
  const u = new UnknownMerger(w, m.unknown);
  if (m.irVersion !== undefined) u.before(1).int64Field(1, m.irVersion);
  if (m.producerName !== undefined) u.before(2).stringField(2, m.producerName);
  if (m.producerVersion !== undefined) u.before(3).stringField(3, m.producerVersion);
  if (m.domain !== undefined) u.before(4).stringField(4, m.domain);
  if (m.modelVersion !== undefined) u.before(5).int64Field(5, m.modelVersion);
  if (m.docString !== undefined) u.before(6).stringField(6, m.docString);
  if (m.graph !== undefined) u.before(7).messageField(7, encodeGraph(m.graph));
  u.before(8);
  for (const o of m.opsetImport) w.messageField(8, encodeOperatorSetId(o));
  u.before(14);
  for (const e of m.metadataProps) w.messageField(14, encodeStringStringEntry(e));
  u.rest();
  return w.finish();
}
