/**
 * CPU latency of several models measured fairly: one session each with thread spinning off
 * (an idle spinning session steals the cores of the others), runs interleaved round-robin,
 * the median per model.
 */
import { CpuBackend } from '../backends/cpu.js';
import type { Tensor } from '../types.js';

export interface LatencyOptions {
  /** timed runs per model; default 20 */
  runs?: number;
  /** untimed runs per model first; default 3 */
  warmup?: number;
  /** ONNX Runtime threads; default ONNX Runtime's choice */
  threads?: number;
  /** inputs beside the image, e.g. class_embeddings of a run-time-vocabulary model; default none */
  extraFeeds?: Record<string, Tensor>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median milliseconds per run of each model on the same input. */
export async function measureLatency(models: (string | Uint8Array)[], input: Tensor, options: LatencyOptions = {}): Promise<number[]> {
  return (await measureLatencyRuns(models, input, options)).map(median);
}

/**
 * Latency of `models[1]` over `models[0]` as the median of per-round ratios: each round runs
 * both back to back, so slow drifts of a shared machine (neighbours, clock) cancel out, where
 * a ratio of two medians moves with them. Also returns both medians.
 */
export async function measureLatencyRatio(models: [string | Uint8Array, string | Uint8Array], input: Tensor, options: LatencyOptions = {}): Promise<{ baseMs: number; ms: number; ratio: number }> {
  const [base, other] = await measureLatencyRuns(models, input, options);
  return { baseMs: median(base!), ms: median(other!), ratio: median(other!.map((t, i) => t / base![i]!)) };
}

/** Milliseconds of every timed run of each model, rounds interleaved. */
export async function measureLatencyRuns(models: (string | Uint8Array)[], input: Tensor, options: LatencyOptions = {}): Promise<number[][]> {
  const runs = options.runs ?? 20;
  const warmup = options.warmup ?? 3;
  const backends: CpuBackend[] = [];
  try {
    for (const m of models) backends.push(await CpuBackend.create(m, { spinning: false, ...(options.threads ? { threads: options.threads } : {}) }));
    const feeds = backends.map((b) => ({ [b.inputs[0]!.name]: input, ...options.extraFeeds }));
    for (let w = 0; w < warmup; w++) for (let i = 0; i < backends.length; i++) await backends[i]!.run(feeds[i]!);
    const times = backends.map(() => [] as number[]);
    for (let r = 0; r < runs; r++) {
      for (let i = 0; i < backends.length; i++) {
        const t0 = performance.now();
        await backends[i]!.run(feeds[i]!);
        times[i]!.push(performance.now() - t0);
      }
    }
    return times;
  } finally {
    for (const b of backends) await b.dispose();
  }
}
