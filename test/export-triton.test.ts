// export-triton: the Triton model repository entry written for an engine and an ONNX. The
// expected config.pbtxt texts follow Triton's model_config.proto (ModelConfig: name, platform,
// max_batch_size, input/output ModelInput/ModelOutput with DataType names and dims without the
// batch dim when batching, instance_group KIND_GPU, dynamic_batching); they were also checked with
// protoc against that proto (scripts/validate-triton-config.mjs).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeEngineFile, type EngineMetadata } from '../lib/backends/engine-file.js';
import { exportTriton } from '../lib/export-triton.js';
import { exportTritonCommand } from '../lib/cli/export-triton.js';
import { MODELS } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-triton-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const plan = Uint8Array.from({ length: 1000 }, (_, i) => (i * 13) & 0xff);
const metadata: EngineMetadata = {
  format: 'yoloe-trt-engine',
  producer: 'yoloe-trt 0.1.0',
  createdAt: '2025-01-01T00:00:00.000Z',
  source: 'yolov8n.onnx',
  task: 'detect',
  names: ['person'],
  imgsz: [640, 640],
  stride: 32,
  precision: 'fp16',
  inputs: [{ name: 'images', dtype: 'float32', dims: ['batch', 3, 640, 640] }],
  outputs: [{ name: 'output0', dtype: 'float32', dims: ['batch', 84, 8400] }],
  shapes: { min: [1, 3, 640, 640], opt: [2, 3, 640, 640], max: [4, 3, 640, 640] },
  tensorrt: { version: '10.3.0', versionCode: 100300, build: 26 },
  gpu: { name: 'Orin', computeCapability: '8.7' },
};

describe('exportTriton', () => {
  it('writes config.pbtxt and 1/model.plan (the plan without our header) for a dynamic-batch engine', () => {
    const engine = join(dir, 'yolo.engine');
    writeEngineFile(engine, metadata, plan);
    const repo = join(dir, 'repo');
    const result = exportTriton({ model: engine, repo, instances: 2, dynamicBatching: true });
    expect(readFileSync(result.model)).toEqual(Buffer.from(plan));
    expect(readFileSync(result.config, 'utf8')).toBe(`name: "yolo"
platform: "tensorrt_plan"
max_batch_size: 4
input [
  {
    name: "images"
    data_type: TYPE_FP32
    dims: [ 3, 640, 640 ]
  }
]
output [
  {
    name: "output0"
    data_type: TYPE_FP32
    dims: [ 84, 8400 ]
  }
]
instance_group [
  {
    count: 2
    kind: KIND_GPU
  }
]
dynamic_batching { }
`);
    // an existing entry is never overwritten
    expect(() => exportTriton({ model: engine, repo })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    expect(() => exportTriton({ model: engine, repo: join(dir, 'r2'), maxBatch: 8 })).toThrow("Expected at most the engine profile's max batch 4 for maxBatch but received 8");
  });

  it('a static ONNX: max_batch_size 0 and the full dims, model.onnx copied (CLI)', async () => {
    const repo = join(dir, 'onnx-repo');
    const lines: string[] = [];
    const out = { write: (s: string) => lines.push(s) } as unknown as NodeJS.WritableStream;
    await exportTritonCommand([MODELS.det640(), '--repo', repo, '--name', 'yolov8n'], out);
    expect(lines.join('')).toBe(`${join(repo, 'yolov8n', 'config.pbtxt')}\n${join(repo, 'yolov8n', '1', 'model.onnx')}\n`);
    const config = readFileSync(join(repo, 'yolov8n', 'config.pbtxt'), 'utf8');
    expect(config).toContain('platform: "onnxruntime_onnx"\nmax_batch_size: 0\n');
    expect(config).toContain('dims: [ 1, 3, 640, 640 ]');
    expect(config).toContain('dims: [ 1, 84, 8400 ]');
    // Buffer.equals: a deep toEqual of 12 MB takes minutes
    expect(readFileSync(join(repo, 'yolov8n', '1', 'model.onnx')).equals(readFileSync(MODELS.det640()))).toBe(true);
  });

  it('a raw plan without metadata cannot be described', () => {
    const raw = join(dir, 'raw.plan');
    writeFileSync(raw, plan);
    expect(() => exportTriton({ model: raw, repo: join(dir, 'r3') })).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
  });
});
