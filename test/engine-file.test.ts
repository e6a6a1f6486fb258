import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ENGINE_MAGIC,
  checkEngineCompatibility,
  encodeEngineHeader,
  engineMetadataRecord,
  parseEngineHeader,
  readEngineHeader,
  writeEngineFile,
  writePlanWithSidecar,
  type EngineMetadata,
} from '../lib/backends/engine-file.js';
import { YoloeTrtError } from '../lib/errors.js';
import { parseUltralyticsMetadata } from '../lib/onnx/metadata.js';
import { loadAddon } from '../lib/native/addon.js';

const dir = mkdtempSync(join(tmpdir(), 'yoloe-engine-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Bytes standing in for a serialized plan: the header code never interprets them.
const plan = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7 + 3) & 0xff);

function metadata(overrides: Partial<EngineMetadata> = {}): EngineMetadata {
  return {
    format: 'yoloe-trt-engine',
    producer: 'yoloe-trt 0.1.0',
    createdAt: '2025-01-01T00:00:00.000Z',
    source: 'yolov8n-seg.onnx',
    task: 'segment',
    names: ['person', 'bicycle', 'car'],
    imgsz: [640, 640],
    stride: 32,
    precision: 'fp16',
    inputs: [{ name: 'images', dtype: 'float32', dims: [1, 3, 640, 640] }],
    outputs: [{ name: 'output0', dtype: 'float32', dims: [1, 39, 8400] }],
    tensorrt: { version: '10.3.0', versionCode: 100300 },
    gpu: { name: 'Orin', computeCapability: '8.7' },
    calibration: { digest: 'ab'.repeat(32), method: 'entropy', images: 500 },
    ...overrides,
  };
}

/** What Ultralytics' exporter writes: int32 LE length, its JSON metadata, then the plan. */
function ultralyticsEngine(meta: Record<string, unknown>): Buffer {
  const json = Buffer.from(JSON.stringify(meta), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length, 0);
  return Buffer.concat([length, json, plan]);
}

function errorOf(fn: () => unknown): YoloeTrtError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(YoloeTrtError);
    return err as YoloeTrtError;
  }
  throw new Error('expected a YoloeTrtError');
}

describe('yoloe engine files', () => {
  it('writes header + plan and reads the header back without the plan', () => {
    const path = join(dir, 'ours.engine');
    const meta = metadata();
    writeEngineFile(path, meta, plan);
    const bytes = readFileSync(path);
    expect(bytes.toString('latin1', 0, 8)).toBe(ENGINE_MAGIC);
    expect(bytes.readUInt32LE(8)).toBe(1);
    const header = readEngineHeader(path);
    expect(header.kind).toBe('yoloe');
    expect(header.formatVersion).toBe(1);
    expect(header.metadata).toEqual(meta);
    expect(header.fileSize).toBe(bytes.length);
    expect(header.planOffset).toBe(16 + bytes.readUInt32LE(12));
    expect(Buffer.compare(bytes.subarray(header.planOffset), Buffer.from(plan))).toBe(0);
  });

  it('exposes the metadata as Ultralytics-style strings the model layer parses', () => {
    const path = join(dir, 'record.engine');
    writeEngineFile(path, metadata({ onnxMetadata: { author: 'Ultralytics', names: "{0: 'stale'}" } }), plan);
    const record = engineMetadataRecord(readEngineHeader(path));
    expect(record.author).toBe('Ultralytics');
    const parsed = parseUltralyticsMetadata(record);
    expect(parsed.names).toEqual(['person', 'bicycle', 'car']);
    expect(parsed.imgsz).toEqual([640, 640]);
    expect(parsed.stride).toBe(32);
    expect(parsed.task).toBe('segment');
  });

  it('refuses truncated metadata, a newer format version and non-JSON metadata', () => {
    const head = encodeEngineHeader(metadata());
    expect(errorOf(() => parseEngineHeader(head.subarray(0, 12))).code).toBe('ERR_MODEL_FORMAT');
    expect(errorOf(() => parseEngineHeader(head.subarray(0, head.length - 5))).message).toMatch(/truncated/);
    const newer = Buffer.from(head);
    newer.writeUInt32LE(2, 8);
    expect(errorOf(() => parseEngineHeader(Buffer.concat([newer, plan]))).message).toMatch(/format version 2 is not supported/);
    const garbage = Buffer.from(head);
    garbage.write('#', 16, 'latin1');
    expect(errorOf(() => parseEngineHeader(Buffer.concat([garbage, plan]))).message).toMatch(/not valid JSON/);
  });

  it('a missing file is ERR_FILE_NOT_FOUND', () => {
    expect(errorOf(() => readEngineHeader(join(dir, 'nope.engine'))).code).toBe('ERR_FILE_NOT_FOUND');
  });
});

describe('Ultralytics engines and raw plans', () => {
  const ultralyticsMeta = {
    description: 'Ultralytics YOLOv8n-seg model',
    stride: 32,
    task: 'segment',
    batch: 1,
    imgsz: [640, 640],
    names: { '0': 'person', '1': 'bicycle' },
    args: { batch: 1, half: true, int8: false, dynamic: false, nms: false },
  };

  it('reads the 4-byte length + JSON layout', () => {
    const path = join(dir, 'ultralytics.engine');
    writeFileSync(path, ultralyticsEngine(ultralyticsMeta));
    const header = readEngineHeader(path);
    expect(header.kind).toBe('ultralytics');
    expect(header.metadata).toEqual(ultralyticsMeta);
    expect(header.planOffset).toBe(4 + Buffer.byteLength(JSON.stringify(ultralyticsMeta)));
    const parsed = parseUltralyticsMetadata(engineMetadataRecord(header));
    expect(parsed.names).toEqual(['person', 'bicycle']);
    expect(parsed.imgsz).toEqual([640, 640]);
    expect(parsed.half).toBe(true);
  });

  it('takes anything else for a raw plan starting at byte 0', () => {
    const path = join(dir, 'raw.plan');
    writeFileSync(path, plan);
    expect(readEngineHeader(path)).toEqual({ kind: 'raw', metadata: null, planOffset: 0, fileSize: plan.length });
    // A small first word that does not lead to a JSON object is still a raw plan.
    const tricky = Buffer.from(plan);
    tricky.writeUInt32LE(10, 0);
    expect(parseEngineHeader(tricky).kind).toBe('raw');
    expect(parseEngineHeader(new Uint8Array(2)).kind).toBe('raw');
  });
});

describe('compatibility with the running TensorRT and GPU', () => {
  const header = parseEngineHeader(Buffer.concat([encodeEngineHeader(metadata()), plan]));

  it('accepts the same version and compute capability', () => {
    expect(checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'Orin', computeCapability: '8.7' } })).toEqual([]);
  });

  it('refuses another TensorRT version with ERR_ENGINE_MISMATCH before deserialization', () => {
    const error = errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.16.0' }, 'm.engine'));
    expect(error.code).toBe('ERR_ENGINE_MISMATCH');
    expect(error.message).toBe('Engine (m.engine) was built by TensorRT 10.3.0 but the running library is 10.16.0: rebuild it with buildEngine() on this machine');
  });

  it('refuses another compute capability, warns on another GPU of the same one', () => {
    const other = errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'NVIDIA H100', computeCapability: '9.0' } }));
    expect(other.code).toBe('ERR_ENGINE_MISMATCH');
    expect(other.message).toMatch(/built for Orin \(compute capability 8\.7\) but this GPU is NVIDIA H100 \(compute capability 9\.0\)/);
    const warnings = checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'Jetson AGX Orin', computeCapability: '8.7' } });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/built on Orin, running on Jetson AGX Orin/);
  });

  it('has nothing to check for Ultralytics and raw files', () => {
    expect(checkEngineCompatibility(parseEngineHeader(ultralyticsEngine({ stride: 32 })), { tensorrtVersion: '11.1.0' })).toEqual([]);
    expect(checkEngineCompatibility(parseEngineHeader(plan), { tensorrtVersion: '11.1.0' })).toEqual([]);
  });
});

describe('the TS and C++ header readers agree on the edge cases (issue 12 mutants)', () => {
  const trt = loadAddon().binding?.tensorrt;
  const both = (bytes: Uint8Array): { ts: string; cpp: string } => {
    if (!trt) throw new Error(`the native addon is not loaded: ${loadAddon().error}`);
    const read = (fn: () => { kind: string }): string => {
      try {
        return fn().kind;
      } catch (err) {
        return (err as { code: string }).code;
      }
    };
    return { ts: read(() => parseEngineHeader(bytes)), cpp: read(() => trt.parseEngineHeader(bytes)) };
  };
  const yoloe = (version: number): Uint8Array => {
    const head = Buffer.from(encodeEngineHeader(metadata()));
    head.writeUInt32LE(version, 8);
    return Buffer.concat([head, plan]);
  };

  it('format version 0 is not a yoloe file version', () => {
    expect(both(yoloe(0))).toEqual({ ts: 'ERR_MODEL_FORMAT', cpp: 'ERR_MODEL_FORMAT' });
    expect(both(yoloe(1))).toEqual({ ts: 'yoloe', cpp: 'yoloe' });
    expect(both(yoloe(2))).toEqual({ ts: 'ERR_MODEL_FORMAT', cpp: 'ERR_MODEL_FORMAT' });
  });

  it('an Ultralytics header needs the closing brace: without it the file is a raw plan', () => {
    const json = Buffer.from('{"stride": 32, "batch": 1 ', 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length, 0);
    expect(both(Buffer.concat([length, json, plan]))).toEqual({ ts: 'raw', cpp: 'raw' });
    expect(both(ultralyticsEngine({ stride: 32 }))).toEqual({ ts: 'ultralytics', cpp: 'ultralytics' });
  });

  it('an Ultralytics header with no plan after it is not an Ultralytics engine', () => {
    const json = Buffer.from(JSON.stringify({ stride: 32 }), 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length, 0);
    expect(both(Buffer.concat([length, json]))).toEqual({ ts: 'raw', cpp: 'raw' });
    expect(both(Buffer.concat([length, json, Buffer.from([1])]))).toEqual({ ts: 'ultralytics', cpp: 'ultralytics' });
  });
});

describe('compatibility: minor compute capability, build number, version- and hardware-compatible plans', () => {
  it('an 8.7 engine is refused on an 8.6 GPU (the minor counts)', () => {
    const header = parseEngineHeader(Buffer.concat([encodeEngineHeader(metadata()), plan]));
    const error = errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'RTX 3090', computeCapability: '8.6' } }));
    expect(error.code).toBe('ERR_ENGINE_MISMATCH');
    expect(error.message).toContain('(compute capability 8.7) but this GPU is RTX 3090 (compute capability 8.6)');
  });

  it('plans are tied to the build number too', () => {
    const header = parseEngineHeader(Buffer.concat([encodeEngineHeader(metadata({ tensorrt: { version: '10.3.0', versionCode: 100300, build: 26 } })), plan]));
    expect(checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', tensorrtBuild: 26 })).toEqual([]);
    const error = errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', tensorrtBuild: 30 }, 'm.engine'));
    expect(error.code).toBe('ERR_ENGINE_MISMATCH');
    expect(error.message).toBe('Engine (m.engine) was built by TensorRT 10.3.0 build 26 but the running library is build 30: plans are tied to the exact build; rebuild it with buildEngine() on this machine');
  });

  it('a version-compatible plan loads on later releases of its major, not earlier ones or another major', () => {
    const header = parseEngineHeader(Buffer.concat([encodeEngineHeader(metadata({ versionCompatible: true, tensorrt: { version: '10.3.0', versionCode: 100300, build: 26 } })), plan]));
    expect(checkEngineCompatibility(header, { tensorrtVersion: '10.16.0', tensorrtBuild: 5 })).toEqual([]);
    expect(errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.2.0' })).code).toBe('ERR_ENGINE_MISMATCH');
    expect(errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '11.1.0' })).code).toBe('ERR_ENGINE_MISMATCH');
  });

  it("an 'ampere+' plan runs on any compute capability from 8.0, not on Turing", () => {
    const header = parseEngineHeader(Buffer.concat([encodeEngineHeader(metadata({ hardwareCompatibility: 'ampere+' })), plan]));
    expect(checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'H100', computeCapability: '9.0' } })).toEqual([]);
    const error = errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.3.0', gpu: { name: 'T4', computeCapability: '7.5' } }));
    expect(error.message).toContain('built for Ampere or newer GPUs but this GPU is T4 (compute capability 7.5)');
  });
});

describe('plain plans with a metadata sidecar', () => {
  it('reads <plan>.json as the metadata of a raw plan, and checks it like a header', () => {
    const path = join(dir, 'plain.plan');
    writePlanWithSidecar(path, metadata(), plan);
    expect(readFileSync(path)).toEqual(Buffer.from(plan));
    const header = readEngineHeader(path);
    expect(header).toMatchObject({ kind: 'raw', planOffset: 0, sidecar: `${path}.json`, metadata: { precision: 'fp16', stride: 32 } });
    expect(engineMetadataRecord(header).names).toBe("{0: 'person', 1: 'bicycle', 2: 'car'}");
    expect(errorOf(() => checkEngineCompatibility(header, { tensorrtVersion: '10.16.0' })).code).toBe('ERR_ENGINE_MISMATCH');
  });

  it('a sidecar that is not ours is ERR_MODEL_FORMAT, a raw plan without one has no metadata', () => {
    const path = join(dir, 'foreign.plan');
    writeFileSync(path, plan);
    expect(readEngineHeader(path)).toMatchObject({ kind: 'raw', metadata: null });
    writeFileSync(`${path}.json`, JSON.stringify({ names: ['a'] }));
    expect(errorOf(() => readEngineHeader(path)).code).toBe('ERR_MODEL_FORMAT');
  });
});
