// Helpers of the contract-double tests: the binding, fake plans, and the fakes' call log.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TensorRtBinding } from '../../binding-tensorrt.js';
import { loadAddon } from '../../lib/native/addon.js';

export const work = mkdtempSync(join(tmpdir(), 'yoloe-trt-double-'));
const logPath = join(work, 'calls.log');
process.env.YOLOE_FAKE_LOG = logPath;

export function binding(): TensorRtBinding {
  const trt = loadAddon().binding?.tensorrt;
  if (!trt?.compiled) throw new Error('the addon was not built with TensorRT headers (TENSORRT_INCLUDE_DIR): the double cannot run');
  return trt;
}

export interface FakeTensor {
  name: string;
  io: 'input' | 'output';
  dtype?: string;
  /** output: -1 follows the first input's batch, -2 is data-dependent */
  dims: number[];
  min?: number[];
  opt?: number[];
  max?: number[];
  format?: 'CHW16';
}

export function tensorLines(tensors: FakeTensor[]): string {
  return tensors
    .map((t) => {
      let line = `tensor ${t.name} ${t.io} ${t.dtype ?? 'float32'} ${t.dims.join(',')}`;
      if (t.min) line += ` min=${t.min.join(',')} opt=${t.opt!.join(',')} max=${t.max!.join(',')}`;
      if (t.format) line += ` format=${t.format}`;
      return `${line}\n`;
    })
    .join('');
}

let planCount = 0;
/** A raw plan file the fake runtime deserializes. */
export function writePlan(tensors: FakeTensor[], extra = ''): string {
  const path = join(work, `plan-${planCount++}.plan`);
  writeFileSync(path, `YOLOE-FAKE-PLAN\n${tensorLines(tensors)}${extra}`);
  return path;
}

/** The dynamic-batch detector plan most tests use: images [1..4, 3, 4, 4] -> out [B, 2, 3]. */
export const DYNAMIC: FakeTensor[] = [
  { name: 'images', io: 'input', dims: [-1, 3, 4, 4], min: [1, 3, 4, 4], opt: [2, 3, 4, 4], max: [4, 3, 4, 4] },
  { name: 'out', io: 'output', dims: [-1, 2, 3] },
];
export const STATIC: FakeTensor[] = [
  { name: 'images', io: 'input', dims: [1, 3, 4, 4] },
  { name: 'out', io: 'output', dims: [1, 2, 3] },
];

/** What the fake computes: out[k] = in[k % n] * 2 + 1 (float32, exact in binary). */
export function expectedOut(input: Float32Array, count: number): number[] {
  return Array.from({ length: count }, (_, k) => input[k % input.length] * 2 + 1);
}

export function ramp(n: number, offset = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => (i + offset) / 8);
}

/** The fakes' log since the last clearLog(): CALL / VIOLATION / UNIMPLEMENTED lines. */
export function log(): string[] {
  return existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter(Boolean) : [];
}
export function violations(): string[] {
  return log().filter((l) => l.startsWith('VIOLATION') || l.startsWith('UNIMPLEMENTED'));
}
export function clearLog(): void {
  writeFileSync(logPath, '');
}
export function fail(list: string): void {
  process.env.YOLOE_FAKE_FAIL = list;
}
