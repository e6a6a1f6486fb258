/**
 * A model's own description: graph inputs and outputs, metadata, opset, producer.
 */
import { DEFAULT_MAX_MODEL_BYTES, readSourceFile } from '../fs/source-file.js';
import { YoloeTrtError } from '../errors.js';
import { decodeStringStringEntry } from './decode.js';
import { ProtoReader } from './protobuf.js';
import type { TensorInfo } from '../types.js';
import { readModelBytes, readOnnx, type OnnxModel, type StringStringEntry, type ValueInfoProto } from './model.js';
import { onnxToDtype, onnxTypeName } from './tensor.js';

export interface ModelDescription {
  /** graph inputs fed at run time (initializers listed as inputs by old exporters excluded) */
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  /** metadata_props as key -> value (a later duplicate key wins) */
  metadata: Record<string, string>;
  /** version of the default ("" / "ai.onnx") opset */
  opsetVersion: number;
  producer: string;
}

/** A dim: its value when static, its symbol when dynamic, '?' when the model says neither. */
function tensorInfo(v: ValueInfoProto, role: string): TensorInfo {
  const name = v.name ?? '';
  const tensorType = v.type?.tensorType;
  if (!tensorType) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Model ${role} "${name}" is not a tensor (sequence, map or untyped values are not supported)`);
  }
  const dtype = onnxToDtype(tensorType.elemType);
  if (!dtype) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Model ${role} "${name}" has unsupported element type ${onnxTypeName(tensorType.elemType)}`);
  }
  const dims = (tensorType.shape?.dim ?? []).map((d): number | string => {
    if (d.dimValue !== undefined) return Number(d.dimValue);
    if (d.dimParam !== undefined && d.dimParam !== '') return d.dimParam;
    return '?';
  });
  return { name, dtype, dims };
}

export function metadataRecord(model: OnnxModel): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const e of model.metadataProps) if (e.key !== undefined) metadata[e.key] = e.value ?? '';
  return metadata;
}

export function defaultOpsetVersion(model: OnnxModel): number {
  const opset = model.opsetImport.find((o) => o.domain === undefined || o.domain === '' || o.domain === 'ai.onnx');
  return opset?.version === undefined ? 0 : Number(opset.version);
}

/** Describes a decoded model. */
export function describeModel(model: OnnxModel): ModelDescription {
  const graph = model.graph;
  if (!graph) throw new YoloeTrtError('ERR_MODEL_FORMAT', 'The ONNX model has no graph');
  const initializers = new Set(graph.initializer.map((t) => t.name));
  return {
    inputs: graph.input.filter((v) => !initializers.has(v.name)).map((v) => tensorInfo(v, 'input')),
    outputs: graph.output.map((v) => tensorInfo(v, 'output')),
    metadata: metadataRecord(model),
    opsetVersion: defaultOpsetVersion(model),
    producer: [model.producerName, model.producerVersion].filter((s) => s).join(' '),
  };
}

/**
 * Reads the description of an ONNX model from its bytes or its file path.
 * @example readModelDescription('yolov8n.onnx').outputs[0] // { name: 'output0', dtype: 'float32', dims: [1, 84, 8400] }
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND / ERR_MODEL_FORMAT
 */
export function readModelDescription(source: Uint8Array | string): ModelDescription {
  const model = typeof source === 'string' ? readOnnx(readModelBytes(source), source) : readOnnx(source);
  return describeModel(model);
}

/**
 * Reads only an ONNX file's metadata_props (key -> value), skipping the graph without decoding
 * it: cheap even for big models.
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND / ERR_MODEL_FORMAT
 */
export async function readOnnxMetadata(path: string): Promise<Record<string, string>> {
  const buffer = await readSourceFile(path, 'model', DEFAULT_MAX_MODEL_BYTES);
  return metadataFromBytes(new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), path);
}

/** metadata_props of encoded model bytes, without decoding the graph. */
export function metadataFromBytes(bytes: Uint8Array, source?: string): Record<string, string> {
  const entries: StringStringEntry[] = [];
  let sawIrVersion = false;
  let sawGraph = false;
  try {
    const r = new ProtoReader(bytes);
    while (!r.done) {
      const tagStart = r.pos;
      const [field, wire] = r.readTag();
      if (field === 14 && wire === 2) entries.push(decodeStringStringEntry(r.readSub()));
      else {
        if (field === 1 && wire === 0) sawIrVersion = true;
        if (field === 7 && wire === 2) sawGraph = true;
        r.skip(field, wire, tagStart);
      }
    }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Not a readable ONNX model${source ? ` (${source})` : ''}: ${reason}`, undefined, { cause: error });
  }
  if (!sawIrVersion || !sawGraph) {
    throw new YoloeTrtError('ERR_MODEL_FORMAT', `Not a readable ONNX model${source ? ` (${source})` : ''}: no ir_version or graph found (corrupt, truncated, or not an ONNX file)`);
  }
  const metadata: Record<string, string> = {};
  for (const e of entries) if (e.key !== undefined) metadata[e.key] = e.value ?? '';
  return metadata;
}
