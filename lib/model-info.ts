import { YoloeTrtError, invalidOption } from './errors.js';
import { parseUltralyticsMetadata } from './onnx/metadata.js';
import type { OpenedBackend } from './backends/index.js';
import type { HeadLayout, ModelInfo, Task, TensorInfo } from './types.js';
import { resolveVocabularyInfo } from './vocabulary.js';

/** What a caller may state about a model when its file does not say (or says wrong). */
export interface ModelInfoOverrides {
  /** class names, index = class id; default: the model's metadata, else "class0".. */
  names?: string[];
  /** network input size [h, w] (or one number) for dynamic models; default: metadata imgsz, else 640 */
  imgsz?: number | [number, number];
  /** default: the metadata stride, else 32 */
  stride?: number;
  /** default: the metadata task, else 'segment' when a protos output exists */
  task?: Task;
}

type LayoutDetector = (outputs: TensorInfo[], hints: { nc?: number; task?: Task; namesCount?: number; end2end?: boolean }) => HeadLayout;

function staticDim(d: number | string | undefined): number | undefined {
  return typeof d === 'number' && d > 0 ? d : undefined;
}

function validNames(value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'string')) throw invalidOption('names', 'an array of strings', value);
  return value as string[];
}

function pair(option: string, value: unknown): [number, number] {
  const p = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => Number.isInteger(v) && v > 0)) {
    throw invalidOption(option, 'a positive integer or an [h, w] pair of them', value);
  }
  return [p[0], p[1]];
}

/** True when the model's (first rank-4) image input has a static height and width. */
function fixedImageInput(inputs: TensorInfo[]): boolean {
  const image = inputs.find((i) => i.dims.length === 4);
  return image !== undefined && staticDim(image.dims[2]) !== undefined && staticDim(image.dims[3]) !== undefined;
}

/**
 * The head of a run-time-vocabulary model, `[B, 4 + K + nm, N]` with K dynamic: a raw layout whose
 * `nc` is the export-time names count; each detect() call decodes it with nc = its own K.
 */
function runtimeVocabularyLayout(outputs: TensorInfo[], namesCount: number): HeadLayout {
  const head = outputs.find((o) => o.dims.length === 3);
  const protos = outputs.filter((o) => o.dims.length === 4);
  const nm = protos.length === 1 ? staticDim(protos[0]!.dims[1]) : 0;
  if (!head || protos.length > 1 || nm === undefined) {
    const got = outputs.map((o) => `${o.name} [${o.dims.join(',')}]`).join(', ');
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected a run-time-vocabulary head [B, 4 + K + nm, N] (and optionally protos [B, nm, H/4, W/4]) but the model has ${got || 'no outputs'}`);
  }
  return {
    kind: 'raw', output: head.name, nc: namesCount, nm, anchors: staticDim(head.dims[2]) ?? -1, transposed: false,
    ...(protos.length === 1 ? { protos: protos[0]!.name } : {}),
  };
}

/** Merges the file's own description, the backend's tensor shapes and the caller's overrides. */
export function resolveModelInfo(path: string, opened: OpenedBackend, overrides: ModelInfoOverrides, detectLayout: LayoutDetector): ModelInfo {
  const { backend } = opened;
  const meta = parseUltralyticsMetadata(opened.metadata);
  const vocabulary = resolveVocabularyInfo(backend.inputs, backend.outputs.find((o) => o.dims.length === 3), meta.raw, fixedImageInput(backend.inputs));
  const imageInputs = backend.inputs.filter((i) => i.name !== vocabulary.embeddingsInput);
  const input = imageInputs[0];
  if (!input || imageInputs.length !== 1 || input.dims.length !== 4) {
    const got = backend.inputs.map((i) => `${i.name} [${i.dims.join(',')}]`).join(', ');
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected one image input [B, 3, H, W] (and optionally class embeddings [1, K, D]) but the model has ${got || 'no inputs'}`);
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float16') {
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected a float32 or float16 image input but ${input.name} is ${input.dtype}`);
  }
  if (staticDim(input.dims[1]) !== undefined && input.dims[1] !== 3) {
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `Expected 3 input channels but ${input.name} has ${input.dims[1]}`);
  }
  const names = overrides.names !== undefined ? validNames(overrides.names) : meta.names;
  const taskOverride = overrides.task === undefined ? undefined : overrides.task;
  if (taskOverride !== undefined && taskOverride !== 'detect' && taskOverride !== 'segment') {
    throw invalidOption('task', "'detect' or 'segment'", taskOverride);
  }
  const metaTask = meta.task === 'segment' || meta.task === 'detect' ? meta.task : undefined;
  const layout = vocabulary.kind === 'runtime'
    ? runtimeVocabularyLayout(backend.outputs, names?.length ?? 0)
    : detectLayout(backend.outputs, {
      task: taskOverride ?? metaTask,
      namesCount: names?.length,
      end2end: meta.end2end === true || meta.nms === true ? true : undefined,
    });
  const nc = layout.kind === 'raw' ? layout.nc : (names?.length ?? 0);
  const task: Task = taskOverride ?? (layout.protos ? 'segment' : 'detect');

  const inH = staticDim(input.dims[2]);
  const inW = staticDim(input.dims[3]);
  const dynamicShape = inH === undefined || inW === undefined;
  let imgsz: [number, number];
  if (!dynamicShape) {
    imgsz = [inH, inW];
    if (overrides.imgsz !== undefined) {
      const want = pair('imgsz', overrides.imgsz);
      if (want[0] !== inH || want[1] !== inW) throw invalidOption('imgsz', `the model's fixed input size ${inH}x${inW}`, overrides.imgsz);
    }
  } else {
    imgsz = overrides.imgsz !== undefined ? pair('imgsz', overrides.imgsz) : (meta.imgsz ?? [640, 640]);
  }
  const stride = overrides.stride !== undefined ? pair('stride', overrides.stride)[0] : (meta.stride ?? 32);
  const batch = staticDim(input.dims[0]);
  const finalNames = names ?? Array.from({ length: nc }, (_, i) => `class${i}`);
  if (layout.kind === 'raw' && finalNames.length !== layout.nc) {
    throw new YoloeTrtError('ERR_MODEL_LAYOUT', `The model has ${layout.nc} classes but ${finalNames.length} names were given`, { option: 'names' });
  }
  return {
    path,
    format: opened.format,
    inputs: backend.inputs,
    outputs: backend.outputs,
    layout,
    task,
    names: finalNames,
    imgsz,
    stride,
    dynamicShape,
    dynamicBatch: batch === undefined,
    ...(batch !== undefined ? { batch } : {}),
    inputDtype: input.dtype,
    metadata: meta.raw,
    imageInput: input.name,
    vocabulary,
  };
}
