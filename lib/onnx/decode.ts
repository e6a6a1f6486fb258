/**
 * ONNX message decoders. Known fields with the wrong wire type mean the bytes are not ONNX;
 * fields we do not model are kept as raw bytes. Byte payloads (raw_data) stay views into the
 * input, so decoding a large model copies no weights.
 */
import {
  ProtoReader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH,
  WIRE_VARINT,
  expectWire,
  readRepeated,
  type UnknownField,
} from './protobuf.js';
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

type FieldHandler = (r: ProtoReader, field: number, wire: number) => boolean;

/** Runs the field loop; `handle` returns false for fields it does not model. */
function decodeFields(r: ProtoReader, handle: FieldHandler): UnknownField[] | undefined {
  let unknown: UnknownField[] | undefined;
  while (!r.done) {
    const tagStart = r.pos;
    const [field, wire] = r.readTag();
    if (!handle(r, field, wire)) {
      (unknown ??= []).push(r.skip(field, wire, tagStart));
    }
  }
  return unknown;
}

function withUnknown<T extends { unknown?: UnknownField[] }>(msg: T, unknown: UnknownField[] | undefined): T {
  if (unknown) msg.unknown = unknown;
  return msg;
}

const str = (r: ProtoReader, f: number, w: number, m: string): string => (expectWire(f, w, WIRE_LENGTH, m), r.readString());
const int64 = (r: ProtoReader, f: number, w: number, m: string) => (expectWire(f, w, WIRE_VARINT, m), r.readInt64());
const int32 = (r: ProtoReader, f: number, w: number, m: string) => (expectWire(f, w, WIRE_VARINT, m), r.readInt32());
const sub = (r: ProtoReader, f: number, w: number, m: string) => (expectWire(f, w, WIRE_LENGTH, m), r.readSub());

export function decodeStringStringEntry(r: ProtoReader): StringStringEntry {
  const M = 'StringStringEntryProto';
  const msg: StringStringEntry = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.key = str(r, f, w, M);
    else if (f === 2) msg.value = str(r, f, w, M);
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeOperatorSetId(r: ProtoReader): OperatorSetId {
  const M = 'OperatorSetIdProto';
  const msg: OperatorSetId = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.domain = str(r, f, w, M);
    else if (f === 2) msg.version = int64(r, f, w, M);
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

function decodeDim(r: ProtoReader): TensorShapeDim {
  const M = 'TensorShapeProto.Dimension';
  const msg: TensorShapeDim = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.dimValue = int64(r, f, w, M);
    else if (f === 2) msg.dimParam = str(r, f, w, M);
    else if (f === 3) msg.denotation = str(r, f, w, M);
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

function decodeShape(r: ProtoReader): TensorShape {
  const msg: TensorShape = { dim: [] };
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.dim.push(decodeDim(sub(r, f, w, 'TensorShapeProto')));
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

function decodeTensorType(r: ProtoReader): TensorTypeProto {
  const M = 'TypeProto.Tensor';
  const msg: TensorTypeProto = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.elemType = int32(r, f, w, M);
    else if (f === 2) msg.shape = decodeShape(sub(r, f, w, M));
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeTypeProto(r: ProtoReader): TypeProto {
  const M = 'TypeProto';
  const msg: TypeProto = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.tensorType = decodeTensorType(sub(r, f, w, M));
    else if (f === 6) msg.denotation = str(r, f, w, M);
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeValueInfo(r: ProtoReader): ValueInfoProto {
  const M = 'ValueInfoProto';
  const msg: ValueInfoProto = {};
  const unknown = decodeFields(r, (r, f, w) => {
    if (f === 1) msg.name = str(r, f, w, M);
    else if (f === 2) msg.type = decodeTypeProto(sub(r, f, w, M));
    else if (f === 3) msg.docString = str(r, f, w, M);
    else return false;
    return true;
  });
  return withUnknown(msg, unknown);
}

/** Packed floats are copied out (the run may be unaligned in the file). */
function readFloatRun(r: ProtoReader, wire: number, previous: Float32Array): Float32Array {
  let fresh: Float32Array;
  if (wire === WIRE_LENGTH) {
    const bytes = r.readBytes();
    if (bytes.length % 4 !== 0) throw new RangeError('packed float run is not a multiple of 4 bytes');
    fresh = new Float32Array(bytes.slice().buffer);
  } else {
    expectWire(4, wire, WIRE_FIXED32, 'TensorProto');
    fresh = Float32Array.of(r.readFixed32Float());
  }
  if (previous.length === 0) return fresh;
  const merged = new Float32Array(previous.length + fresh.length);
  merged.set(previous);
  merged.set(fresh, previous.length);
  return merged;
}

export function decodeTensor(r: ProtoReader): TensorProto {
  const M = 'TensorProto';
  const msg: TensorProto = {
    dims: [],
    floatData: new Float32Array(0),
    int32Data: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    externalData: [],
  };
  const unknown = decodeFields(r, (r, f, w) => {
    switch (f) {
      case 1: readRepeated(r, w, WIRE_VARINT, (s) => s.readInt64(), msg.dims); break;
      case 2: msg.dataType = int32(r, f, w, M); break;
      case 4: msg.floatData = readFloatRun(r, w, msg.floatData); break;
      case 5: readRepeated(r, w, WIRE_VARINT, (s) => s.readInt32(), msg.int32Data); break;
      case 7: readRepeated(r, w, WIRE_VARINT, (s) => s.readInt64(), msg.int64Data); break;
      case 8: msg.name = str(r, f, w, M); break;
      case 9: expectWire(f, w, WIRE_LENGTH, M); msg.rawData = r.readBytes(); break;
      case 10: readRepeated(r, w, WIRE_FIXED64, (s) => s.readFixed64Double(), msg.doubleData); break;
      case 11: readRepeated(r, w, WIRE_VARINT, (s) => s.readVarintBig(), msg.uint64Data); break;
      case 12: msg.docString = str(r, f, w, M); break;
      case 13: msg.externalData.push(decodeStringStringEntry(sub(r, f, w, M))); break;
      case 14: msg.dataLocation = int32(r, f, w, M); break;
      default: return false;
    }
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeAttribute(r: ProtoReader): AttributeProto {
  const M = 'AttributeProto';
  const msg: AttributeProto = { floats: [], ints: [], strings: [], tensors: [], graphs: [] };
  const unknown = decodeFields(r, (r, f, w) => {
    switch (f) {
      case 1: msg.name = str(r, f, w, M); break;
      case 2: expectWire(f, w, WIRE_FIXED32, M); msg.f = r.readFixed32Float(); break;
      case 3: msg.i = int64(r, f, w, M); break;
      case 4: expectWire(f, w, WIRE_LENGTH, M); msg.s = r.readBytes(); break;
      case 5: msg.t = decodeTensor(sub(r, f, w, M)); break;
      case 6: msg.g = decodeGraph(sub(r, f, w, M)); break;
      case 7: readRepeated(r, w, WIRE_FIXED32, (s) => s.readFixed32Float(), msg.floats); break;
      case 8: readRepeated(r, w, WIRE_VARINT, (s) => s.readInt64(), msg.ints); break;
      case 9: expectWire(f, w, WIRE_LENGTH, M); msg.strings.push(r.readBytes()); break;
      case 10: msg.tensors.push(decodeTensor(sub(r, f, w, M))); break;
      case 11: msg.graphs.push(decodeGraph(sub(r, f, w, M))); break;
      case 13: msg.docString = str(r, f, w, M); break;
      case 20: msg.type = int32(r, f, w, M); break;
      case 21: msg.refAttrName = str(r, f, w, M); break;
      default: return false;
    }
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeNode(r: ProtoReader): NodeProto {
  const M = 'NodeProto';
  const msg: NodeProto = { input: [], output: [], attribute: [] };
  const unknown = decodeFields(r, (r, f, w) => {
    switch (f) {
      case 1: msg.input.push(str(r, f, w, M)); break;
      case 2: msg.output.push(str(r, f, w, M)); break;
      case 3: msg.name = str(r, f, w, M); break;
      case 4: msg.opType = str(r, f, w, M); break;
      case 5: msg.attribute.push(decodeAttribute(sub(r, f, w, M))); break;
      case 6: msg.docString = str(r, f, w, M); break;
      case 7: msg.domain = str(r, f, w, M); break;
      default: return false;
    }
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeGraph(r: ProtoReader): GraphProto {
  const M = 'GraphProto';
  const msg: GraphProto = { node: [], initializer: [], input: [], output: [], valueInfo: [] };
  const unknown = decodeFields(r, (r, f, w) => {
    switch (f) {
      case 1: msg.node.push(decodeNode(sub(r, f, w, M))); break;
      case 2: msg.name = str(r, f, w, M); break;
      case 5: msg.initializer.push(decodeTensor(sub(r, f, w, M))); break;
      case 10: msg.docString = str(r, f, w, M); break;
      case 11: msg.input.push(decodeValueInfo(sub(r, f, w, M))); break;
      case 12: msg.output.push(decodeValueInfo(sub(r, f, w, M))); break;
      case 13: msg.valueInfo.push(decodeValueInfo(sub(r, f, w, M))); break;
      default: return false;
    }
    return true;
  });
  return withUnknown(msg, unknown);
}

export function decodeModel(r: ProtoReader): OnnxModel {
  const M = 'ModelProto';
  const msg: OnnxModel = { opsetImport: [], metadataProps: [] };
  const unknown = decodeFields(r, (r, f, w) => {
    switch (f) {
      case 1: msg.irVersion = int64(r, f, w, M); break;
      case 2: msg.producerName = str(r, f, w, M); break;
      case 3: msg.producerVersion = str(r, f, w, M); break;
      case 4: msg.domain = str(r, f, w, M); break;
      case 5: msg.modelVersion = int64(r, f, w, M); break;
      case 6: msg.docString = str(r, f, w, M); break;
      case 7: msg.graph = decodeGraph(sub(r, f, w, M)); break;
      case 8: msg.opsetImport.push(decodeOperatorSetId(sub(r, f, w, M))); break;
      case 14: msg.metadataProps.push(decodeStringStringEntry(sub(r, f, w, M))); break;
      default: return false;
    }
    return true;
  });
  return withUnknown(msg, unknown);
}
