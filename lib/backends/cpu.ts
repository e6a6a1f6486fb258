import { existsSync } from 'node:fs';
import { YoloeTrtError } from '../errors.js';
import type { Tensor, TensorDtype, TensorInfo } from '../types.js';
import type { Backend, BackendOptions } from './backend.js';

/** The subset of onnxruntime-node this backend touches; typed locally so the peer stays optional. */
type OrtModule = typeof import('onnxruntime-node');
type OrtSession = import('onnxruntime-node').InferenceSession;

let ortPromise: Promise<OrtModule> | undefined;

/** Loads onnxruntime-node lazily: it is an optional peer dependency. */
export async function loadOnnxRuntime(): Promise<OrtModule> {
  ortPromise ??= import('onnxruntime-node').catch((cause: unknown) => {
    ortPromise = undefined;
    throw new YoloeTrtError(
      'ERR_BACKEND_UNAVAILABLE',
      'The cpu backend needs the optional peer dependency onnxruntime-node: run `npm install onnxruntime-node` ' +
        '(set ONNXRUNTIME_NODE_INSTALL=skip to skip its CUDA download; the CPU binaries ship in the package).',
      { backend: 'cpu' },
      { cause },
    );
  });
  return ortPromise;
}

const ORT_TO_DTYPE: Record<string, TensorDtype> = {
  float32: 'float32', float16: 'float16', int8: 'int8', uint8: 'uint8', int32: 'int32', int64: 'int64', bool: 'bool',
};

function toTensorInfo(meta: { name: string; isTensor: boolean; type?: string; shape?: readonly (number | string)[] }): TensorInfo {
  const dtype = ORT_TO_DTYPE[meta.type ?? ''] ?? 'float32';
  const dims = (meta.shape ?? []).map((d) => (typeof d === 'number' && d >= 0 ? d : String(d)));
  return { name: meta.name, dtype, dims };
}

/** ONNX Runtime on the CPU. One session serves concurrent callers: ORT's Run is thread-safe. */
export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  private disposed = false;

  private constructor(private readonly ort: OrtModule, private readonly session: OrtSession) {
    this.inputs = session.inputMetadata.map((m) => toTensorInfo(m as never));
    this.outputs = session.outputMetadata.map((m) => toTensorInfo(m as never));
  }

  static async create(model: string | Uint8Array, options: BackendOptions = {}): Promise<CpuBackend> {
    if (typeof model === 'string' && !existsSync(model)) {
      throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Model file not found: ${model}`, { path: model });
    }
    const ort = await loadOnnxRuntime();
    const sessionOptions: import('onnxruntime-node').InferenceSession.SessionOptions = {
      graphOptimizationLevel: 'all',
      // Spinning threads steal the cores from every other session in the process (QUANTIZATION.md).
      extra: { session: { 'intra_op.allow_spinning': options.spinning ? '1' : '0' } },
    };
    if (options.threads !== undefined) sessionOptions.intraOpNumThreads = options.threads;
    try {
      const session = typeof model === 'string'
        ? await ort.InferenceSession.create(model, sessionOptions)
        : await ort.InferenceSession.create(model, sessionOptions);
      return new CpuBackend(ort, session);
    } catch (cause) {
      throw new YoloeTrtError(
        'ERR_MODEL_FORMAT',
        `ONNX Runtime could not load the model${typeof model === 'string' ? ` ${model}` : ''}: ${(cause as Error).message}`,
        undefined,
        { cause },
      );
    }
  }

  async run(feeds: Record<string, Tensor>, outputNames?: string[]): Promise<Record<string, Tensor>> {
    if (this.disposed) throw new YoloeTrtError('ERR_DISPOSED', 'The model was disposed');
    const ortFeeds: Record<string, import('onnxruntime-node').Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      ortFeeds[name] = new this.ort.Tensor(t.dtype as never, t.data as never, t.dims);
    }
    let results: import('onnxruntime-node').InferenceSession.ReturnType;
    try {
      results = outputNames ? await this.session.run(ortFeeds, outputNames) : await this.session.run(ortFeeds);
    } catch (cause) {
      throw new YoloeTrtError('ERR_BACKEND', `ONNX Runtime failed to run the model: ${(cause as Error).message}`, undefined, { cause });
    }
    const out: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(results)) {
      out[name] = { dtype: ORT_TO_DTYPE[t.type] ?? 'float32', dims: [...t.dims], data: t.data as Tensor['data'] };
    }
    return out;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
