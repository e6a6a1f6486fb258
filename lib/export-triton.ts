import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { readEngineHeader, type EngineMetadata } from './backends/engine-file.js';
import { YoloeTrtError, invalidOption } from './errors.js';
import { describeModel } from './onnx/info.js';
import { loadOnnxFile } from './onnx/model.js';
import type { TensorInfo } from './types.js';
import { checkKnownKeys, optBoolean, optNumber, optObject, optString } from './validate.js';

export interface ExportTritonOptions {
  /** a yoloe-trt engine (header or plan + sidecar) or an ONNX model */
  model: string;
  /** the Triton model repository folder (created when missing) */
  repo: string;
  /** the model's name in the repository; default the file name without extension */
  name?: string;
  /** max_batch_size; default the engine's profile max batch (1 for static engines, 0 = no batching) */
  maxBatch?: number;
  /** instance_group count (KIND_GPU); default 1 */
  instances?: number;
  /** a dynamic_batching block; default false */
  dynamicBatching?: boolean;
}

export interface ExportTritonResult {
  /** <repo>/<name> */
  folder: string;
  config: string;
  model: string;
}

/** Triton's data_type names (model_config.proto DataType) for our dtypes. */
const TRITON_TYPES: Record<string, string> = {
  float32: 'TYPE_FP32',
  float16: 'TYPE_FP16',
  int8: 'TYPE_INT8',
  uint8: 'TYPE_UINT8',
  int32: 'TYPE_INT32',
  int64: 'TYPE_INT64',
  bool: 'TYPE_BOOL',
};

function tritonType(tensor: TensorInfo): string {
  const type = TRITON_TYPES[tensor.dtype];
  if (!type) throw new YoloeTrtError('ERR_MODEL_FORMAT', `Tensor '${tensor.name}' has dtype ${tensor.dtype}, which Triton's model config cannot name`);
  return type;
}

/** Dims as Triton wants them: without the batch dim when batching, -1 for every dynamic dim. */
function tritonDims(tensor: TensorInfo, batching: boolean): number[] {
  const dims = tensor.dims.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
  return batching ? dims.slice(1) : dims;
}

function tensorBlock(tensors: TensorInfo[], batching: boolean): string {
  return tensors
    .map((t) => `  {\n    name: "${t.name}"\n    data_type: ${tritonType(t)}\n    dims: [ ${tritonDims(t, batching).join(', ')} ]\n  }`)
    .join(',\n');
}

/**
 * The config.pbtxt text (protobuf text format of Triton's ModelConfig) for a model.
 * @example tritonConfig({ name: 'yolo', platform: 'tensorrt_plan', inputs, outputs, maxBatch: 4, instances: 2, dynamicBatching: true })
 */
export function tritonConfig(o: { name: string; platform: 'tensorrt_plan' | 'onnxruntime_onnx'; inputs: TensorInfo[]; outputs: TensorInfo[]; maxBatch: number; instances: number; dynamicBatching: boolean }): string {
  const batching = o.maxBatch > 0;
  const lines = [
    `name: "${o.name}"`,
    `platform: "${o.platform}"`,
    `max_batch_size: ${o.maxBatch}`,
    `input [\n${tensorBlock(o.inputs, batching)}\n]`,
    `output [\n${tensorBlock(o.outputs, batching)}\n]`,
    `instance_group [\n  {\n    count: ${o.instances}\n    kind: KIND_GPU\n  }\n]`,
  ];
  if (o.dynamicBatching) lines.push('dynamic_batching { }');
  return `${lines.join('\n')}\n`;
}

/**
 * Writes a Triton model repository entry: `<repo>/<name>/config.pbtxt` and `1/model.plan` (the
 * plain plan, without yoloe-trt's header) or `1/model.onnx`, with the I/O names, dtypes and dims
 * of the model and max_batch_size from the engine's optimization profile. Nothing is overwritten
 * half-way: the entry is written to a temp folder and renamed into place.
 * @throws ERR_FILE_NOT_FOUND, ERR_MODEL_FORMAT (a raw plan without metadata), ERR_INVALID_OPTION
 * @example exportTriton({ model: 'yolo.engine', repo: 'models', instances: 2, dynamicBatching: true })
 */
export function exportTriton(options: ExportTritonOptions): ExportTritonResult {
  const o = optObject('exportTriton options', options) as Record<string, unknown>;
  checkKnownKeys('exportTriton', o, ['model', 'repo', 'name', 'maxBatch', 'instances', 'dynamicBatching']);
  const model = optString('model', o.model);
  if (model === undefined) throw invalidOption('model', 'an engine or ONNX path', o.model);
  const repo = optString('repo', o.repo);
  if (repo === undefined) throw invalidOption('repo', 'a folder path', o.repo);
  if (!existsSync(model)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Model not found: ${model}`, { path: model });
  const name = optString('name', o.name, basename(model, extname(model)))!;
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw invalidOption('name', 'a model name of letters, digits, _ . -', name);
  const instances = optNumber('instances', o.instances, 1, 1, 256, { integer: true });
  const dynamicBatching = optBoolean('dynamicBatching', o.dynamicBatching, false);
  const onnx = extname(model).toLowerCase() === '.onnx';
  let inputs: TensorInfo[];
  let outputs: TensorInfo[];
  let profileMax: number;
  let payload: (dir: string) => void;
  if (onnx) {
    const description = describeModel(loadOnnxFile(model));
    inputs = description.inputs;
    outputs = description.outputs;
    profileMax = typeof inputs[0]?.dims[0] === 'number' ? 0 : 1;
    payload = (dir) => copyFileSync(model, join(dir, 'model.onnx'));
  } else {
    const header = readEngineHeader(model);
    const meta = header.metadata as Partial<EngineMetadata> | null;
    if (!meta || meta.format !== 'yoloe-trt-engine' || !meta.inputs || !meta.outputs) {
      throw new YoloeTrtError('ERR_MODEL_FORMAT', `${model} carries no yoloe-trt metadata (I/O names and dims): build it with buildEngine(), or export the ONNX`, { path: model });
    }
    inputs = meta.inputs as TensorInfo[];
    outputs = meta.outputs as TensorInfo[];
    profileMax = meta.shapes ? meta.shapes.max[0] : typeof inputs[0]?.dims[0] === 'number' ? (inputs[0].dims[0] as number) : 1;
    payload = (dir) => writeFileSync(join(dir, 'model.plan'), readFileSync(model).subarray(header.planOffset));
  }
  const maxBatch = optNumber('maxBatch', o.maxBatch, profileMax, 0, 1 << 20, { integer: true });
  if (!onnx && maxBatch > profileMax) throw invalidOption('maxBatch', `at most the engine profile's max batch ${profileMax}`, maxBatch);
  const config = tritonConfig({ name, platform: onnx ? 'onnxruntime_onnx' : 'tensorrt_plan', inputs, outputs, maxBatch, instances, dynamicBatching });
  const folder = resolve(repo, name);
  const staging = resolve(repo, `.${name}.tmp-${process.pid}`);
  mkdirSync(join(staging, '1'), { recursive: true });
  try {
    writeFileSync(join(staging, 'config.pbtxt'), config);
    payload(join(staging, '1'));
    if (existsSync(folder)) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a model name not yet in the repository for name but ${folder} exists`, { option: 'name' });
    renameSync(staging, folder);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { folder, config: join(folder, 'config.pbtxt'), model: join(folder, '1', onnx ? 'model.onnx' : 'model.plan') };
}
