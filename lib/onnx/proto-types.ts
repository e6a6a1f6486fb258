/**
 * Typed views of the ONNX protobuf messages we model (field numbers from onnx/onnx.proto,
 * proto2 syntax). Optional fields keep proto2 presence: `undefined` means "absent on the wire",
 * so an explicitly written default survives a round trip. Every message carries the fields we
 * do not model in `unknown`, re-emitted verbatim in field-number order.
 */
import type { Int64, UnknownField } from './protobuf.js';

export interface StringStringEntry {
  key?: string;
  value?: string;
  unknown?: UnknownField[];
}

export interface OperatorSetId {
  domain?: string;
  version?: Int64;
  unknown?: UnknownField[];
}

export interface TensorShapeDim {
  dimValue?: Int64;
  dimParam?: string;
  denotation?: string;
  unknown?: UnknownField[];
}

export interface TensorShape {
  dim: TensorShapeDim[];
  unknown?: UnknownField[];
}

export interface TensorTypeProto {
  elemType?: number;
  shape?: TensorShape;
  unknown?: UnknownField[];
}

/** Only tensor types are modelled; sequence/map/optional/sparse types stay in `unknown`. */
export interface TypeProto {
  tensorType?: TensorTypeProto;
  denotation?: string;
  unknown?: UnknownField[];
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
  unknown?: UnknownField[];
}

export interface TensorProto {
  dims: Int64[];
  dataType?: number;
  floatData: Float32Array;
  int32Data: number[];
  int64Data: Int64[];
  name?: string;
  /** a view into the file's bytes when decoded: never written to in place */
  rawData?: Uint8Array;
  doubleData: number[];
  uint64Data: bigint[];
  docString?: string;
  externalData: StringStringEntry[];
  dataLocation?: number;
  unknown?: UnknownField[];
}

export interface AttributeProto {
  name?: string;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  tensors: TensorProto[];
  graphs: GraphProto[];
  docString?: string;
  type?: number;
  refAttrName?: string;
  unknown?: UnknownField[];
}

export interface NodeProto {
  input: string[];
  output: string[];
  name?: string;
  opType?: string;
  attribute: AttributeProto[];
  docString?: string;
  domain?: string;
  unknown?: UnknownField[];
}

export interface GraphProto {
  node: NodeProto[];
  name?: string;
  initializer: TensorProto[];
  docString?: string;
  input: ValueInfoProto[];
  output: ValueInfoProto[];
  valueInfo: ValueInfoProto[];
  unknown?: UnknownField[];
}

export interface OnnxModel {
  irVersion?: Int64;
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: Int64;
  docString?: string;
  graph?: GraphProto;
  opsetImport: OperatorSetId[];
  metadataProps: StringStringEntry[];
  unknown?: UnknownField[];
}

/** TensorProto.DataType values. */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
} as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

/** TensorProto.DataLocation.EXTERNAL */
export const DATA_LOCATION_EXTERNAL = 1;
