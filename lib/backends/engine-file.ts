import { closeSync, existsSync, openSync, readFileSync, readSync, fstatSync } from 'node:fs';
import { writeFileAtomicSync } from '../fs/atomic-write.js';
import { checkSourceFile } from '../fs/source-file.js';
import { YoloeTrtError } from '../errors.js';
import { pythonRepr, type PyValue } from '../onnx/python-literal.js';
import type { Task } from '../types.js';

/**
 * Engine files, recognised before a byte reaches TensorRT (native/tensorrt/engine_file.cpp is
 * the C++ twin; a test checks both read the same bytes the same way):
 *   yoloe:        "YOLOETRT" | u32 LE format version | u32 LE JSON length | JSON metadata | plan
 *   ultralytics:  u32 LE JSON length | JSON metadata | plan      (Ultralytics' TensorRT export)
 *   raw:          the plan alone (trtexec, polygraphy)
 */
export const ENGINE_MAGIC = 'YOLOETRT';
export const ENGINE_FORMAT_VERSION = 1;
/** a larger header is not a metadata header: the file is taken for something else */
export const MAX_METADATA_BYTES = 16 << 20;

export type EngineFileKind = 'yoloe' | 'ultralytics' | 'raw';
export type EnginePrecision = 'fp32' | 'fp16' | 'int8' | 'best';

/** What buildEngine() writes in front of the plan. */
export interface EngineMetadata {
  format: 'yoloe-trt-engine';
  /** yoloe-trt version that built it */
  producer: string;
  /** ISO time of the build */
  createdAt: string;
  /** the ONNX it was built from (file name only) */
  source: string;
  task: Task;
  /** class names, index = class id */
  names: string[];
  /** network input [height, width] */
  imgsz: [number, number];
  stride: number;
  precision: EnginePrecision;
  /** the network's inputs and outputs as the ONNX declares them */
  inputs: { name: string; dtype: string; dims: (number | string)[] }[];
  outputs: { name: string; dtype: string; dims: (number | string)[] }[];
  /** optimization profile of the first input, when dynamic */
  shapes?: { min: number[]; opt: number[]; max: number[] };
  /** build: the library's build number (plans are tied to major, minor, patch and build) */
  tensorrt: { version: string; versionCode: number; build?: number };
  gpu: { name: string; computeCapability: string };
  /** the DLA core the engine runs on (set on the runtime at load) */
  dlaCore?: number;
  /** built with kVERSION_COMPATIBLE: later TensorRT releases of the same major load it */
  versionCompatible?: boolean;
  /** 'ampere+': runs on any Ampere or newer GPU, not only this compute capability */
  hardwareCompatibility?: 'none' | 'ampere+';
  /**
   * buildEngine fp16Layers 'auto' (run-time vocabularies under INT8): layers pinned to FP16 per
   * rule, those reached but left to TensorRT (shape / int / bool), or in `note` why none was
   */
  fp16Layers?: { rule: string; embeddingLayers: number; protoLayers: number; skipped: number; note?: string };
  /** INT8 calibration: the calibration set's digest, so two engines can be compared */
  calibration?: { digest: string; method: 'entropy' | 'minmax'; images: number; cache?: string };
  /** the ONNX metadata_props, carried over as is */
  onnxMetadata?: Record<string, string>;
}

export interface EngineHeader {
  kind: EngineFileKind;
  /** yoloe files only */
  formatVersion?: number;
  /** the parsed JSON (yoloe: EngineMetadata; ultralytics: its export dict); null for raw plans */
  metadata: Record<string, unknown> | null;
  /** byte offset of the plan in the file */
  planOffset: number;
  fileSize: number;
  /** raw plans: the sidecar `<plan>.json` the metadata came from */
  sidecar?: string;
}

/** Where a raw plan's metadata lives: `<plan>.json` next to it (what buildEngine({ format: 'plan' }) writes). */
export function sidecarPath(planPath: string): string {
  return `${planPath}.json`;
}

function formatError(message: string, path?: string): YoloeTrtError {
  return new YoloeTrtError('ERR_MODEL_FORMAT', path ? `${message}: ${path}` : message, path ? { path } : undefined);
}

function parseJsonObject(bytes: Uint8Array, path?: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw formatError(`Engine metadata is not valid JSON (${err instanceof Error ? err.message : String(err)})`, path);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw formatError('Engine metadata is not a JSON object', path);
  return value as Record<string, unknown>;
}

/** Ultralytics' JSON follows its length directly: '{' ... '}' (trailing whitespace allowed). */
function looksLikeJsonObject(json: Uint8Array): boolean {
  if (json.length < 2 || json[0] !== 0x7b) return false;
  let end = json.length;
  while (end > 1 && (json[end - 1] === 0x20 || json[end - 1] === 0x0a || json[end - 1] === 0x0d)) end--;
  return json[end - 1] === 0x7d;
}

/**
 * Reads the header from the first bytes of an engine file (`bytes` may be the whole file or a
 * prefix holding the metadata). Same rules as the C++ twin.
 * @example parseEngineHeader(readFileSync('yolo.engine'))
 */
export function parseEngineHeader(bytes: Uint8Array, fileSize = bytes.length, path?: string): EngineHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(8, bytes.length)).toString('latin1');
  if (magic === ENGINE_MAGIC) {
    if (bytes.length < 16) throw formatError('Engine file header is truncated (shorter than 16 bytes)', path);
    const formatVersion = view.getUint32(8, true);
    const length = view.getUint32(12, true);
    if (formatVersion === 0 || formatVersion > ENGINE_FORMAT_VERSION) {
      throw formatError(`Engine file format version ${formatVersion} is not supported (this version reads up to ${ENGINE_FORMAT_VERSION})`, path);
    }
    if (length > MAX_METADATA_BYTES || 16 + length > fileSize || 16 + length > bytes.length) {
      throw formatError(`Engine file metadata is truncated (declares ${length} bytes, file has ${fileSize})`, path);
    }
    return { kind: 'yoloe', formatVersion, metadata: parseJsonObject(bytes.subarray(16, 16 + length), path), planOffset: 16 + length, fileSize };
  }
  if (bytes.length >= 4) {
    const length = view.getUint32(0, true);
    if (length > 0 && length <= MAX_METADATA_BYTES && 4 + length < fileSize && 4 + length <= bytes.length && looksLikeJsonObject(bytes.subarray(4, 4 + length))) {
      return { kind: 'ultralytics', metadata: parseJsonObject(bytes.subarray(4, 4 + length), path), planOffset: 4 + length, fileSize };
    }
  }
  return { kind: 'raw', metadata: null, planOffset: 0, fileSize };
}

/** The bytes a yoloe engine file has before its plan. */
export function encodeEngineHeader(metadata: EngineMetadata | Record<string, unknown>): Buffer {
  const json = Buffer.from(JSON.stringify(metadata), 'utf8');
  if (json.length > MAX_METADATA_BYTES) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Engine metadata is larger than 16 MiB');
  const head = Buffer.alloc(16);
  head.write(ENGINE_MAGIC, 0, 'latin1');
  head.writeUInt32LE(ENGINE_FORMAT_VERSION, 8);
  head.writeUInt32LE(json.length, 12);
  return Buffer.concat([head, json]);
}

/**
 * Writes a plain plan that trtexec and Triton load (no header) and its metadata as the sidecar
 * `<path>.json`, both atomically; loadModel reads the pair.
 * @example writePlanWithSidecar('yolo.plan', metadata, result.plan)
 */
export function writePlanWithSidecar(path: string, metadata: EngineMetadata, plan: Uint8Array): void {
  if (!(plan instanceof Uint8Array) || plan.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a non-empty plan for writePlanWithSidecar');
  writeFileAtomicSync(path, plan);
  writeFileAtomicSync(sidecarPath(path), Buffer.from(`${JSON.stringify(metadata, null, 2)}\n`, 'utf8'));
}

/**
 * Writes header + plan to `path` atomically (a temp file renamed over it), so a crash never
 * leaves a half-written engine that would later fail to deserialize.
 * @example writeEngineFile('yolo.engine', metadata, result.plan)
 */
export function writeEngineFile(path: string, metadata: EngineMetadata, plan: Uint8Array): void {
  if (!(plan instanceof Uint8Array) || plan.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected a non-empty plan for writeEngineFile');
  writeFileAtomicSync(path, Buffer.concat([encodeEngineHeader(metadata), plan]));
}

/**
 * Reads only the header of an engine file (never the plan, which may be hundreds of MB).
 * @throws ERR_FILE_NOT_FOUND, ERR_MODEL_FORMAT
 * @example const { kind, metadata, planOffset } = readEngineHeader('yolo.engine');
 */
export function readEngineHeader(path: string): EngineHeader {
  checkSourceFile(path, 'engine', Number.MAX_SAFE_INTEGER); // a folder or FIFO would block or mislead the open below
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Engine file not found: ${path}`, { path }, { cause: err });
  }
  try {
    const fileSize = fstatSync(fd).size;
    const prefix = Buffer.alloc(Math.min(16, fileSize));
    readSync(fd, prefix, 0, prefix.length, 0);
    let wanted = prefix.length;
    if (prefix.length >= 16 && prefix.toString('latin1', 0, 8) === ENGINE_MAGIC) wanted = 16 + Math.min(prefix.readUInt32LE(12), MAX_METADATA_BYTES);
    else if (prefix.length >= 4) wanted = 4 + Math.min(prefix.readUInt32LE(0), MAX_METADATA_BYTES);
    wanted = Math.min(wanted, fileSize);
    const bytes = Buffer.alloc(Math.max(wanted, prefix.length));
    prefix.copy(bytes);
    if (wanted > prefix.length) readSync(fd, bytes, prefix.length, wanted - prefix.length, prefix.length);
    const header = parseEngineHeader(bytes, fileSize, path);
    return header.kind === 'raw' ? withSidecar(header, path) : header;
  } finally {
    closeSync(fd);
  }
}

/** A raw plan's metadata from `<plan>.json`, when there is one (it must be ours and valid). */
function withSidecar(header: EngineHeader, path: string): EngineHeader {
  const sidecar = sidecarPath(path);
  if (!existsSync(sidecar)) return header;
  const metadata = parseJsonObject(readFileSync(sidecar), sidecar);
  if (metadata.format !== 'yoloe-trt-engine') throw formatError('The sidecar is not yoloe-trt engine metadata (format is not "yoloe-trt-engine")', sidecar);
  return { ...header, metadata, sidecar };
}

/** What the running TensorRT and GPU are, to compare with an engine's header. */
export interface RuntimeIdentity {
  /** "10.3.0" */
  tensorrtVersion?: string;
  /** the library's build number */
  tensorrtBuild?: number;
  gpu?: { name: string; computeCapability: string };
}

function versionParts(version: unknown): number[] | undefined {
  if (typeof version !== 'string' || !/^\d+\.\d+\.\d+/.test(version)) return undefined;
  return version.split('.').slice(0, 3).map(Number);
}

/**
 * Refuses, before deserialization, an engine built by another TensorRT version or for a GPU of
 * another compute capability: TensorRT plans are tied to both, and a mismatched plan fails (or
 * on some versions crashes) inside deserializeCudaEngine. Returns warnings for softer
 * differences (same compute capability, another GPU model). Ultralytics and raw files carry no
 * such record and pass; TensorRT's own check then applies.
 * @throws ERR_ENGINE_MISMATCH
 */
export function checkEngineCompatibility(header: EngineHeader, runtime: RuntimeIdentity, path = ''): string[] {
  if (!header.metadata || (header.kind !== 'yoloe' && !header.sidecar)) return [];
  const meta = header.metadata as Partial<EngineMetadata>;
  const where = path ? ` (${path})` : '';
  const warnings: string[] = [];
  const built = versionParts(meta.tensorrt?.version);
  const running = versionParts(runtime.tensorrtVersion);
  // A version-compatible plan runs on the same major's later releases (it carries its lean runtime).
  const versionOk = (b: number[], r: number[]): boolean =>
    meta.versionCompatible === true ? b[0] === r[0] && (r[1] > b[1] || (r[1] === b[1] && r[2] >= b[2])) : b.join('.') === r.join('.');
  if (built && running && !versionOk(built, running)) {
    throw new YoloeTrtError(
      'ERR_ENGINE_MISMATCH',
      `Engine${where} was built by TensorRT ${built.join('.')} but the running library is ${running.join('.')}: rebuild it with buildEngine() on this machine`,
      { built: built.join('.'), running: running.join('.') },
    );
  }
  const builtBuild = meta.tensorrt?.build;
  if (meta.versionCompatible !== true && built && running && typeof builtBuild === 'number' && builtBuild >= 0 && typeof runtime.tensorrtBuild === 'number' && runtime.tensorrtBuild !== builtBuild) {
    throw new YoloeTrtError(
      'ERR_ENGINE_MISMATCH',
      `Engine${where} was built by TensorRT ${built.join('.')} build ${builtBuild} but the running library is build ${runtime.tensorrtBuild}: plans are tied to the exact build; rebuild it with buildEngine() on this machine`,
      { built: `${built.join('.')}.${builtBuild}`, running: `${running.join('.')}.${runtime.tensorrtBuild}` },
    );
  }
  const builtGpu = meta.gpu;
  const ampereOrNewer = (cc: string): boolean => Number(cc.split('.')[0]) >= 8;
  if (builtGpu && runtime.gpu && meta.hardwareCompatibility === 'ampere+') {
    if (!ampereOrNewer(runtime.gpu.computeCapability)) {
      throw new YoloeTrtError(
        'ERR_ENGINE_MISMATCH',
        `Engine${where} was built for Ampere or newer GPUs but this GPU is ${runtime.gpu.name} (compute capability ${runtime.gpu.computeCapability})`,
        { builtGpu: builtGpu.name, runningGpu: runtime.gpu.name },
      );
    }
  } else if (builtGpu && runtime.gpu) {
    if (builtGpu.computeCapability !== runtime.gpu.computeCapability) {
      throw new YoloeTrtError(
        'ERR_ENGINE_MISMATCH',
        `Engine${where} was built for ${builtGpu.name} (compute capability ${builtGpu.computeCapability}) but this GPU is ${runtime.gpu.name} (compute capability ${runtime.gpu.computeCapability}): rebuild it with buildEngine() on this GPU`,
        { builtGpu: builtGpu.name, runningGpu: runtime.gpu.name },
      );
    }
    if (builtGpu.name !== runtime.gpu.name) {
      warnings.push(`Engine${where} was built on ${builtGpu.name}, running on ${runtime.gpu.name} (same compute capability): performance may differ`);
    }
  }
  return warnings;
}

/**
 * The header's metadata as Ultralytics-style metadata_props strings (what lib/onnx/metadata.ts
 * parses for ONNX files), so the model layer reads engines and ONNX alike.
 */
export function engineMetadataRecord(header: EngineHeader): Record<string, string> {
  const meta = header.metadata;
  if (!meta) return {};
  const record: Record<string, string> = {};
  const put = (key: string, value: unknown): void => {
    if (value === undefined) return;
    record[key] = typeof value === 'string' ? value : pythonRepr(value as PyValue);
  };
  if (header.kind === 'yoloe' || header.sidecar) {
    const m = meta as Partial<EngineMetadata>;
    for (const [key, value] of Object.entries(m.onnxMetadata ?? {})) record[key] = value;
    put('names', m.names ? Object.fromEntries(m.names.map((n, i) => [String(i), n])) : undefined);
    put('imgsz', m.imgsz);
    put('stride', m.stride);
    put('task', m.task);
    put('precision', m.precision);
    put('tensorrt', m.tensorrt?.version);
    return record;
  }
  for (const [key, value] of Object.entries(meta)) put(key, value);
  return record;
}
