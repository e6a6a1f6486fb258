/**
 * TensorProto helpers: dtype mapping, reading initializer values, making tensors.
 */
import { YoloeTrtError } from '../errors.js';
import type { TensorDtype } from '../types.js';
import { halfToFloat } from '../image/fp16.js';
import { DataType, type TensorProto } from './proto-types.js';

const DTYPE_TO_ONNX: Record<TensorDtype, number> = {
  float32: DataType.FLOAT,
  float16: DataType.FLOAT16,
  int8: DataType.INT8,
  uint8: DataType.UINT8,
  int32: DataType.INT32,
  int64: DataType.INT64,
  bool: DataType.BOOL,
};

const ONNX_TO_DTYPE = new Map<number, TensorDtype>(Object.entries(DTYPE_TO_ONNX).map(([k, v]) => [v, k as TensorDtype]));

const ONNX_TYPE_NAMES: Record<number, string> = {
  0: 'undefined', 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
};

const BYTES_PER_ELEMENT: Record<number, number> = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

export function onnxTypeName(dataType: number | undefined): string {
  return ONNX_TYPE_NAMES[dataType ?? 0] ?? `type ${dataType}`;
}

/** ONNX TensorProto.DataType for a TensorDtype. */
export function dtypeToOnnx(dtype: TensorDtype): number {
  const t = DTYPE_TO_ONNX[dtype];
  if (t === undefined) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a tensor dtype for dtype but received ${JSON.stringify(dtype)}`);
  return t;
}

/** TensorDtype for an ONNX data type, or undefined when yoloe-trt has no such dtype. */
export function onnxToDtype(dataType: number | undefined): TensorDtype | undefined {
  return ONNX_TO_DTYPE.get(dataType ?? 0);
}

export function elementCount(dims: readonly (number | bigint)[]): number {
  let n = 1;
  for (const d of dims) n *= Number(d);
  return n;
}

function unsupported(t: TensorProto, why: string): YoloeTrtError {
  return new YoloeTrtError('ERR_MODEL_FORMAT', `Cannot read tensor "${t.name ?? ''}" (${onnxTypeName(t.dataType)}): ${why}`);
}

/**
 * The values of a tensor as float32, whatever its storage: raw_data (little-endian) or the typed
 * fields (float_data; int32_data, which also carries int8/uint8/float16 bits; int64_data).
 * @throws YoloeTrtError ERR_MODEL_FORMAT for other dtypes or a size that does not match dims.
 */
export function tensorToFloat32(t: TensorProto): Float32Array {
  const count = elementCount(t.dims);
  const type = t.dataType ?? 0;
  const raw = t.rawData;
  let out: Float32Array;
  if (raw !== undefined) {
    const size = BYTES_PER_ELEMENT[type];
    if (size === undefined) throw unsupported(t, 'unsupported dtype');
    if (raw.length !== count * size) throw unsupported(t, `raw_data has ${raw.length} bytes, expected ${count * size}`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    out = new Float32Array(count);
    switch (type) {
      case DataType.FLOAT:
        // one copy through an aligned buffer: the view into the file may be unaligned
        out.set(new Float32Array(raw.slice().buffer));
        break;
      case DataType.FLOAT16: for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case DataType.INT8: for (let i = 0; i < count; i++) out[i] = view.getInt8(i); break;
      case DataType.UINT8: case DataType.BOOL: for (let i = 0; i < count; i++) out[i] = view.getUint8(i); break;
      case DataType.INT32: for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true); break;
      case DataType.INT64: for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case DataType.DOUBLE: for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true); break;
      default: throw unsupported(t, 'unsupported dtype');
    }
    return out;
  }
  let values: ArrayLike<number>;
  switch (type) {
    case DataType.FLOAT: values = t.floatData; break;
    case DataType.FLOAT16: values = Float32Array.from(t.int32Data, (b) => halfToFloat(b & 0xffff)); break;
    case DataType.INT8: case DataType.UINT8: case DataType.INT32: case DataType.BOOL: values = t.int32Data; break;
    case DataType.INT64: values = t.int64Data.map(Number); break;
    case DataType.DOUBLE: values = t.doubleData; break;
    default: throw unsupported(t, 'unsupported dtype');
  }
  if (values.length !== count) throw unsupported(t, `holds ${values.length} values, expected ${count}`);
  return Float32Array.from(values);
}

export type TensorValues = Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array | number[];

/**
 * Makes a TensorProto stored as raw_data. `data` is a typed array of the dtype (float16 as half
 * bits in a Uint16Array, int64 as a BigInt64Array) or plain numbers converted to it.
 * @example makeTensor('scale', 'float32', [1], [0.5])
 */
export function makeTensor(name: string, dtype: TensorDtype, dims: readonly number[], data: TensorValues): TensorProto {
  const count = elementCount(dims);
  if (data.length !== count) {
    throw new YoloeTrtError('ERR_SHAPE', `Tensor "${name}" has ${data.length} values but dims [${dims.join(', ')}] need ${count}`);
  }
  let typed: ArrayBufferView;
  if (Array.isArray(data)) {
    switch (dtype) {
      case 'float32': typed = Float32Array.from(data); break;
      case 'float16': typed = Uint16Array.from(data); break;
      case 'int8': typed = Int8Array.from(data); break;
      case 'uint8': case 'bool': typed = Uint8Array.from(data); break;
      case 'int32': typed = Int32Array.from(data); break;
      case 'int64': typed = BigInt64Array.from(data, (v) => BigInt(Math.trunc(v))); break;
    }
  } else {
    typed = data;
  }
  const rawData = new Uint8Array(typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength));
  return {
    dims: [...dims],
    dataType: dtypeToOnnx(dtype),
    floatData: new Float32Array(0),
    int32Data: [],
    int64Data: [],
    name,
    rawData,
    doubleData: [],
    uint64Data: [],
    externalData: [],
  };
}
