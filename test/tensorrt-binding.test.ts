import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TensorRtBinding } from '../binding-tensorrt.js';
import { encodeEngineHeader, parseEngineHeader } from '../lib/backends/engine-file.js';
import { loadAddon } from '../lib/native/addon.js';
import { prepareCalibrationSet } from '../lib/quantize/calibration-set.js';
import { readTrtCache, retargetTrtCache, writeTrtCache } from '../lib/quantize/trt-cache.js';
import { fixture } from './fixtures.js';

/**
 * The addon's TensorRT binding, as CI builds it (without TensorRT headers) or, with
 * YOLOE_TRT_ADDON_PATH, any other build of it (e.g. one compiled against TensorRT headers).
 * The addon is required: this test fails, never skips, when it is absent.
 */
function tensorrtBinding(): TensorRtBinding {
  const path = process.env.YOLOE_TRT_ADDON_PATH;
  const binding = path ? createRequire(import.meta.url)(path) : loadAddon().binding;
  if (!binding?.tensorrt) throw new Error(`The native addon with its TensorRT binding is required (${loadAddon().error ?? 'no tensorrt export'}): build it with npx cmake-js build`);
  return binding.tensorrt as TensorRtBinding;
}

const trt = tensorrtBinding();
const work = mkdtempSync(join(tmpdir(), 'yoloe-trt-binding-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A shared library that looks like libnvinfer from outside: the symbols the loader resolves. */
function fakeLibrary(folder: string, file: string, versionCode: number | null): string {
  mkdirSync(folder, { recursive: true });
  const source = join(folder, 'fake.c');
  const version = versionCode === null ? '' : `int getInferLibVersion(void) { return ${versionCode}; }\n`;
  writeFileSync(source, `${version}void* createInferBuilder_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }\nvoid* createInferRuntime_INTERNAL(void* l, int v) { (void)l; (void)v; return 0; }\n`);
  const out = join(folder, file);
  execFileSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-o', out, source]);
  return out;
}

function withLibDir<T>(dir: string, body: () => T): T {
  const saved = process.env.TENSORRT_LIB_DIR;
  process.env.TENSORRT_LIB_DIR = dir;
  try {
    return body();
  } finally {
    if (saved === undefined) delete process.env.TENSORRT_LIB_DIR;
    else process.env.TENSORRT_LIB_DIR = saved;
  }
}

describe('probe() and the library search', () => {
  it('reports the search in order, with why each path failed', () => {
    const empty = join(work, 'empty-lib');
    mkdirSync(empty);
    const probe = withLibDir(empty, () => trt.probe());
    expect(probe.found).toBe(false);
    expect(probe.usable).toBe(false);
    const names = probe.acceptedMajors.map((m) => `libnvinfer.so.${m}`).concat('libnvinfer.so');
    expect(probe.searchedPaths.slice(0, names.length)).toEqual(names.map((n) => `${empty}/${n}`));
    expect(probe.searchedPaths.slice(-names.length)).toEqual(names); // last: the system linker's own search
    const lines = probe.error!.split('\n');
    expect(lines[0]).toBe(`TensorRT library libnvinfer (major ${probe.acceptedMajors.join(' or ')}) not found. Tried:`);
    expect(lines.slice(1, -1).map((l) => l.trim().split(': ')[0])).toEqual(probe.searchedPaths);
    expect(lines[1]).toBe(`  ${empty}/${names[0]}: not present`);
    expect(lines.at(-1)).toMatch(/^Install TensorRT .* or set TENSORRT_LIB_DIR to the folder holding libnvinfer\.so\.\d+\.$/);
    if (!probe.compiled) {
      expect(probe.reason).toBe('built without TensorRT headers');
      expect(probe.acceptedMajors).toEqual([10, 11]);
      expect(probe.headerVersion).toBeUndefined();
    } else {
      expect(probe.acceptedMajors).toEqual([Number(probe.headerVersion!.split('.')[0])]);
    }
  });

  it('librarySearch: TENSORRT_LIB_DIR, then LD_LIBRARY_PATH, then standard dirs, deduplicated', () => {
    const search = trt.librarySearch({ TENSORRT_LIB_DIR: '/opt/trt/lib/', LD_LIBRARY_PATH: '/a:/b::/a:/usr/local/cuda/lib64' });
    expect(search.dirs.slice(0, 4)).toEqual(['/opt/trt/lib', '/a', '/b', '/usr/local/cuda/lib64']);
    expect(search.dirs).toContain('/usr/local/tensorrt/lib');
    expect(new Set(search.dirs).size).toBe(search.dirs.length);
    expect(search.nvinfer[0]).toBe(`/opt/trt/lib/libnvinfer.so.${search.majors[0]}`);
    expect(search.nvonnxparser[0]).toBe(`/opt/trt/lib/libnvonnxparser.so.${search.majors[0]}`);
  });

  it('refuses libraries of another major and files that are not TensorRT, then finds a good one', () => {
    const probe0 = trt.probe();
    const wrongMajor = withLibDir(join(work, 'old'), () => {
      fakeLibrary(join(work, 'old'), `libnvinfer.so.${probe0.acceptedMajors[0]}`, 8601);
      return trt.probe();
    });
    expect(wrongMajor.found).toBe(false);
    expect(wrongMajor.error).toContain(
      probe0.compiled
        ? `${join(work, 'old')}/libnvinfer.so.${probe0.acceptedMajors[0]}: version 8.6.1 does not match the headers this addon was built with (${probe0.headerVersion})`
        : `${join(work, 'old')}/libnvinfer.so.10: version 8.6.1 is not a supported major`,
    );
    const notTrt = withLibDir(join(work, 'other'), () => {
      fakeLibrary(join(work, 'other'), 'libnvinfer.so', null);
      return trt.probe();
    });
    expect(notTrt.error).toContain(
      probe0.compiled
        ? `${join(work, 'other')}/libnvinfer.so: missing symbol(s) getInferLibVersion`
        : `${join(work, 'other')}/libnvinfer.so: no getInferLibVersion symbol (not a TensorRT library)`,
    );
    const major = probe0.acceptedMajors[0];
    const good = withLibDir(join(work, 'good'), () => {
      const path = fakeLibrary(join(work, 'good'), `libnvinfer.so.${major}`, major * 10000 + 300);
      return { path, probe: trt.probe() };
    });
    expect(good.probe.found).toBe(true);
    expect(good.probe.library).toBe(good.path);
    expect(good.probe.version).toBe(`${major}.3.0`);
    expect(good.probe.usable).toBe(good.probe.compiled);
  });
});

describe('header-free helpers match their TypeScript twins', () => {
  const plan = Uint8Array.from({ length: 300 }, (_, i) => (i * 13) & 0xff);
  const meta = { task: 'detect', names: ['a', 'b'], imgsz: [320, 320], tensorrt: { version: '10.3.0' } };

  it('encodeEngineHeader gives the same bytes', () => {
    expect(Buffer.compare(trt.encodeEngineHeader(JSON.stringify(meta)), encodeEngineHeader(meta))).toBe(0);
  });

  it('parseEngineHeader reads ours, Ultralytics and raw plans as the TS reader does', () => {
    const ours = Buffer.concat([encodeEngineHeader(meta), plan]);
    const json = Buffer.from(JSON.stringify({ stride: 32, names: { 0: 'x' } }));
    const length = Buffer.alloc(4);
    length.writeUInt32LE(json.length);
    const ultra = Buffer.concat([length, json, plan]);
    for (const bytes of [ours, ultra, Buffer.from(plan)]) {
      const native = trt.parseEngineHeader(bytes);
      const ts = parseEngineHeader(bytes);
      expect(native.kind).toBe(ts.kind);
      expect(native.planOffset).toBe(ts.planOffset);
      expect(native.metadata === '' ? null : JSON.parse(native.metadata)).toEqual(ts.metadata);
    }
    expect(() => trt.parseEngineHeader(ours.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
    expect(() => parseEngineHeader(ours.subarray(0, 20))).toThrow(expect.objectContaining({ code: 'ERR_MODEL_FORMAT' }));
    expect(() => trt.parseEngineHeader('x' as never)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('inspectCalibrationCache agrees with lib/quantize/trt-cache.ts', () => {
    const scales = new Map([
      ['images', 127],
      ['/model.0/conv/Conv_output_0', 12.5],
      ['onnx::Mul:123', 0.75],
    ]);
    const text = writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'EntropyCalibration2', scales });
    expect(trt.inspectCalibrationCache(text, 100300, 'entropy')).toMatchObject({ status: 'valid', version: 100300, entries: 3, rewritten: null });
    const moved = trt.inspectCalibrationCache(text, 101600, 'entropy');
    expect(moved.status).toBe('version-mismatch');
    expect(moved.rewritten).toBe(retargetTrtCache(text, { major: 10, minor: 16, patch: 0 }));
    expect(readTrtCache(moved.rewritten!).amax).toEqual(readTrtCache(text).amax);
    expect(trt.inspectCalibrationCache(text, 100300, 'minmax')).toMatchObject({ status: 'algorithm-mismatch', problem: 'the cache was made by EntropyCalibration2, not MinMaxCalibration' });
    const minmax = writeTrtCache({ version: { major: 10, minor: 3, patch: 0 }, algorithm: 'MinMaxCalibration', scales });
    expect(trt.inspectCalibrationCache(minmax, 100300, 'minmax').status).toBe('valid');

    // what the TS reader refuses, the C++ check calls corrupt
    const corrupt = [text.replace('images: ', 'images = '), `${text}images: 3c000000\n`, 'TRT-123-EntropyCalibration2\nx: 3c000000\n', 'garbage\n', 'TRT-100300-EntropyCalibration2\n'];
    for (const bad of corrupt) {
      expect(trt.inspectCalibrationCache(bad, 100300, 'entropy').status, bad).toBe('corrupt');
    }
    for (const bad of corrupt.slice(0, 4)) expect(() => readTrtCache(bad), bad).toThrow();
    expect(trt.inspectCalibrationCache('', 100300, 'entropy').status).toBe('empty');
  });
});

describe('calibration tensor files', () => {
  it('the C++ calibrators read exactly the batches the TypeScript set wrote', async () => {
    const set = await prepareCalibrationSet({ images: fixture('coco128', 'images', 'train2017'), count: 5, imgsz: 64, seed: 2, cacheDir: join(work, 'calib') });
    const path = set.writeTensorFile(2);
    const batches = [...set.batches(2)];
    for (const index of [0, 1]) {
      const native = trt.readCalibrationBatch(path, index);
      expect(native.dims).toEqual([2, 3, 64, 64]);
      expect(native.batches).toBe(2);
      expect(Buffer.compare(Buffer.from(native.data.buffer), Buffer.from((batches[index].data as Float32Array).buffer))).toBe(0);
    }
    expect(() => trt.readCalibrationBatch(path, 2)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
    const truncated = join(work, 'short.yoloecal');
    writeFileSync(truncated, readFileSync(path).subarray(0, 1000));
    expect(() => trt.readCalibrationBatch(truncated, 0)).toThrow(expect.objectContaining({ code: 'ERR_CALIBRATION', message: expect.stringMatching(/does not match 2 batches/) }));
  });
});

describe('engine functions', () => {
  it('throw ERR_BACKEND_UNAVAILABLE in an addon built without TensorRT headers', async () => {
    if (trt.compiled) {
      // compiled in (CI builds against 10.3's headers): the model is checked before any library
      // is looked for, so this is the same on every machine; the rest runs on the contract double
      // (test/tensorrt-double.test.ts)
      const error = await trt.buildEngine({ onnx: join(work, 'none.onnx'), precision: 'fp16' }).catch((e) => e);
      expect(error).toMatchObject({ code: 'ERR_FILE_NOT_FOUND', message: `ONNX file not found: ${join(work, 'none.onnx')}` });
      return;
    }
    for (const call of [
      () => trt.buildEngine({ onnx: 'm.onnx', precision: 'fp16' }),
      () => trt.loadEngine('m.engine'),
      () => trt.engineInfo({} as never),
      () => trt.infer({} as never, []),
      () => trt.inferImages({} as never, { images: [], inputWidth: 1, inputHeight: 1 }),
      () => trt.releaseEngine({} as never),
    ]) {
      expect(call).toThrow(expect.objectContaining({ code: 'ERR_BACKEND_UNAVAILABLE', message: expect.stringMatching(/built without TensorRT headers/) }));
    }
  });
});
