import type { ImageBackend, ImageRun, ImageRunOptions } from '../lib/backends/backend.js';
import { CpuBackend } from '../lib/backends/cpu.js';
import { letterboxInto } from '../lib/image/pack.js';
import type { LetterboxGeometry, RgbImage, Tensor, TensorInfo } from '../lib/types.js';
import { referenceCompact } from './compaction-reference.js';
import { stackBatch } from './results-digest.js';

export interface ImageDoubleOptions {
  /** what the double says its engine has (default: the ONNX model's), e.g. a static batch of 2 */
  inputs?: TensorInfo[];
  outputs?: TensorInfo[];
  /** gpuPreprocessing(): usable, or the reason it is not */
  unusable?: string;
  /** runImages rejects with these, one per call (undefined: that call answers), then answers */
  failures?: (Error | undefined)[];
  /** compaction never fits: the whole head comes back, as the kernel does on overflow */
  overflow?: boolean;
  /** answer runImages with an all-zero head of this many channels instead of running the model (a shape the ONNX model cannot take) */
  zeroHead?: { output: string; channels: number };
}

interface RunImagesCall {
  images: RgbImage[];
  geometries: LetterboxGeometry[];
  options: ImageRunOptions;
}

/**
 * A test double of the TensorRT backend (lib/backends/tensorrt.ts TensorRtBackend): it says it
 * is 'tensorrt' and answers runImages as the GPU kernels would, letterboxing with the given
 * geometries on the CPU, running the ONNX model through ONNX Runtime one image at a time (so it
 * can claim any batch size), and compacting the head with the reference loop of
 * test/compaction-reference.ts. Every call is recorded.
 */
export class TensorRtImageDouble implements ImageBackend {
  readonly name = 'tensorrt' as const;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];
  readonly runImagesCalls: RunImagesCall[] = [];
  readonly runCalls: Record<string, Tensor>[] = [];
  private readonly failures: (Error | undefined)[];

  private constructor(private readonly cpu: CpuBackend, private readonly options: ImageDoubleOptions) {
    this.inputs = options.inputs ?? cpu.inputs;
    this.outputs = options.outputs ?? cpu.outputs;
    this.failures = [...(options.failures ?? [])];
  }

  static async open(onnx: string, options: ImageDoubleOptions = {}): Promise<TensorRtImageDouble> {
    return new TensorRtImageDouble(await CpuBackend.create(onnx, { threads: 1 }), options);
  }

  gpuPreprocessing(): { usable: boolean; reason?: string } {
    return this.options.unusable === undefined ? { usable: true } : { usable: false, reason: this.options.unusable };
  }

  async run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    this.runCalls.push(feeds);
    return this.rowByRow(feeds);
  }

  async runImages(images: RgbImage[], geometries: LetterboxGeometry[], options: ImageRunOptions = {}): Promise<ImageRun> {
    this.runImagesCalls.push({ images, geometries, options });
    const failure = this.failures.shift();
    if (failure) throw failure;
    const { dstWidth: W, dstHeight: H } = geometries[0]!;
    let outputs: Record<string, Tensor>;
    if (this.options.zeroHead) {
      const anchors = [8, 16, 32].reduce((n, s) => n + Math.ceil(W / s) * Math.ceil(H / s), 0);
      const { output, channels } = this.options.zeroHead;
      outputs = { [output]: { dtype: 'float32', dims: [images.length, channels, anchors], data: new Float32Array(images.length * channels * anchors) } };
    } else {
      const pixels = new Float32Array(images.length * 3 * H * W);
      images.forEach((image, i) => letterboxInto(image, geometries[i]!, pixels, i * 3 * H * W, { padValue: options.padValue }));
      const imageInput = options.imageInput ?? this.inputs[0]!.name;
      outputs = await this.rowByRow({ ...options.inputs, [imageInput]: { dtype: 'float32', dims: [images.length, 3, H, W], data: pixels } });
    }
    const compact = options.compact;
    if (!compact || this.options.overflow) return { outputs };
    const compacted = referenceCompact(outputs[compact.output]!, compact);
    if (!compacted) return { outputs };
    const rest = { ...outputs };
    delete rest[compact.output];
    return { outputs: rest, compacted };
  }

  /** The ONNX model has batch 1: each image row runs alone, the outputs are stacked. */
  private async rowByRow(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const imageName = this.cpu.inputs.find((i) => i.dims.length === 4)!.name;
    const images = feeds[imageName]!;
    const [B, ...chw] = images.dims as [number, ...number[]];
    const size = chw.reduce((a, b) => a * b, 1);
    const runs: Record<string, Tensor>[] = [];
    for (let b = 0; b < B; b++) {
      const row: Tensor = { dtype: 'float32', dims: [1, ...chw], data: (images.data as Float32Array).subarray(b * size, (b + 1) * size) };
      runs.push(await this.cpu.run({ ...feeds, [imageName]: row }));
    }
    return stackBatch(runs);
  }

  async dispose(): Promise<void> {
    await this.cpu.dispose();
  }
}
