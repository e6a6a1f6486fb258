/**
 * Reading and writing whole ONNX models.
 */
import { DEFAULT_MAX_MODEL_BYTES, readSourceFileSync } from '../fs/source-file.js';
import { YoloeTrtError } from '../errors.js';
import { decodeModel } from './decode.js';
import { encodeModel } from './encode.js';
import { ProtoReader } from './protobuf.js';
import { DATA_LOCATION_EXTERNAL, type GraphProto, type OnnxModel, type TensorProto } from './proto-types.js';

export * from './proto-types.js';

function formatError(message: string, source: string | undefined, cause?: unknown): YoloeTrtError {
  const where = source ? ` (${source})` : '';
  return new YoloeTrtError('ERR_MODEL_FORMAT', `Not a readable ONNX model${where}: ${message}`, source ? { path: source } : undefined, {
    cause,
  });
}

function usesExternalData(t: TensorProto): boolean {
  return t.dataLocation === DATA_LOCATION_EXTERNAL || t.externalData.length > 0;
}

/** The first tensor (initializer or Constant attribute, subgraphs included) stored outside the file. */
function findExternalTensor(graph: GraphProto): string | undefined {
  for (const t of graph.initializer) if (usesExternalData(t)) return t.name ?? '';
  for (const n of graph.node) {
    for (const a of n.attribute) {
      for (const t of a.t ? [a.t, ...a.tensors] : a.tensors) if (usesExternalData(t)) return t.name ?? '';
      for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) {
        const found = findExternalTensor(g);
        if (found !== undefined) return found;
      }
    }
  }
  return undefined;
}

/**
 * Decodes an ONNX ModelProto. Tensor `rawData` are views into `bytes` (no copies): keep `bytes`
 * unchanged while the model is in use.
 * @throws YoloeTrtError ERR_MODEL_FORMAT when the bytes are not an ONNX model, or when weights
 *   live in external data files (not supported).
 */
export function readOnnx(bytes: Uint8Array, source?: string): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw formatError('expected a Uint8Array of model bytes', source);
  if (bytes.length === 0) throw formatError('the data is empty', source);
  let model: OnnxModel;
  try {
    model = decodeModel(new ProtoReader(bytes));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw formatError(`${reason} (corrupt, truncated, or not an ONNX file)`, source, error);
  }
  if (model.irVersion === undefined || model.graph === undefined) {
    throw formatError('no ir_version or graph found (corrupt, truncated, or not an ONNX file)', source);
  }
  const external = findExternalTensor(model.graph);
  if (external !== undefined) {
    throw formatError(
      `tensor "${external}" is stored in an external data file, which is not supported; ` +
        'save the model with all tensors inside the .onnx file (onnx.save(model, path, save_as_external_data=False))',
      source,
    );
  }
  return model;
}

/** Encodes a model back to ONNX bytes. Unmodelled fields are re-emitted unchanged. */
export function writeOnnx(model: OnnxModel): Uint8Array {
  return encodeModel(model);
}

/**
 * Reads an ONNX file. The model's tensors are views into the file's bytes.
 * @throws YoloeTrtError ERR_FILE_NOT_FOUND when the file does not exist, ERR_MODEL_FORMAT when
 *   it is not an ONNX model.
 */
export function loadOnnxFile(path: string): OnnxModel {
  return readOnnx(readModelBytes(path), path);
}

/** Reads a model file's bytes: a missing file is ERR_FILE_NOT_FOUND, a folder or device ERR_NOT_A_FILE, over 4 GiB ERR_FILE_TOO_LARGE. */
export function readModelBytes(path: string): Uint8Array {
  if (typeof path !== 'string' || path.length === 0) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Expected a model file path but received ${JSON.stringify(path)}`);
  }
  const buffer = readSourceFileSync(path, 'model', DEFAULT_MAX_MODEL_BYTES);
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}
