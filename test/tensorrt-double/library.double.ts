// How libnvinfer, its ONNX parser and its builder resource are found and accepted. Each case runs
// in its own Node process: the loader keeps what it found for the life of the process.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { work } from './double.js';

const root = join(__dirname, '..', '..');
const fakes = process.env.TENSORRT_LIB_DIR!;
const addon = join(root, 'build', 'Release', 'yoloe_trt.node');

/** Runs `body` (async, `trt` = the binding) in a fresh process; returns what it printed as JSON. */
function inProcess(env: Record<string, string>, body: string): Record<string, unknown> {
  const script = `const trt = require(${JSON.stringify(addon)}).tensorrt;
(async () => { const out = {}; try { ${body} } catch (e) { out.thrown = { code: e.code, message: e.message }; }
process.stdout.write(JSON.stringify(out)); })();`;
  const run = spawnSync(process.execPath, ['-e', script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`child failed (${run.status}): ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** A folder holding copies of some of the fake libraries (copies: a symlink would resolve back). */
function install(name: string, files: { from: string; to: string; link?: string }[]): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) {
    copyFileSync(join(fakes, f.from), join(dir, f.to));
    if (f.link) symlinkSync(f.to, join(dir, f.link));
  }
  return dir;
}
const NVINFER = { from: 'libnvinfer.so.10.3.0', to: 'libnvinfer.so.10.3.0', link: 'libnvinfer.so.10' };
const PARSER = { from: 'libnvonnxparser.so.10.3.0', to: 'libnvonnxparser.so.10.3.0', link: 'libnvonnxparser.so.10' };
const RESOURCE = { from: 'libnvinfer_builder_resource.so.10.3.0', to: 'libnvinfer_builder_resource.so.10.3.0' };

const model = join(work, 'tiny.onnx');
writeFileSync(model, 'not read by the fake parser');
writeFileSync(`${model}.fakenet`, 'tensor images input float32 1,3,4,4\ntensor out output float32 1,2,3\n');
const BUILD = `out.result = (await trt.buildEngine({ onnx: ${JSON.stringify(model)}, precision: 'fp16' })).tensorrtVersion;`;

describe('the TensorRT libraries', () => {
  it('refuses a libnvinfer older than the headers the addon was compiled against', () => {
    const older = inProcess({ YOLOE_FAKE_VERSION: '10.2.0' }, 'out.probe = trt.probe();');
    expect(older.probe).toMatchObject({ found: false, usable: false });
    expect((older.probe as { error: string }).error).toContain('version 10.2.0 is older than the headers this addon was built with (10.3.0)');
    const newer = inProcess({ YOLOE_FAKE_VERSION: '10.5.1', YOLOE_FAKE_BUILD: '31' }, 'out.probe = trt.probe();');
    expect(newer.probe).toMatchObject({ found: true, usable: true, version: '10.5.1', build: 31 });
  });

  it('takes the ONNX parser only from libnvinfer\'s own folder, not another install on the search path', () => {
    const infer = install('split-infer', [NVINFER, RESOURCE]);
    const other = install('split-parser', [{ from: 'libnvonnxparser.so.10.3.0', to: 'libnvonnxparser.so.10.1.0', link: 'libnvonnxparser.so.10' }]);
    const out = inProcess({ TENSORRT_LIB_DIR: infer, LD_LIBRARY_PATH: `${process.env.LD_LIBRARY_PATH}:${other}` }, BUILD);
    expect(out.thrown).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
    expect((out.thrown as { message: string }).message).toContain(`the ONNX parser must be installed next to ${join(infer, 'libnvinfer.so.10.3.0')}`);
  });

  it('preloads libnvinfer_builder_resource from libnvinfer\'s folder; without it, says building is impossible', () => {
    const full = inProcess({ TENSORRT_LIB_DIR: install('full', [NVINFER, PARSER, RESOURCE]) }, `out.probe = trt.probe(); ${BUILD}`);
    expect(full.probe).toMatchObject({ buildable: true });
    expect(full.result).toBe('10.3.0');
    const runOnly = inProcess({ TENSORRT_LIB_DIR: install('run-only', [NVINFER, PARSER]) }, `out.probe = trt.probe(); ${BUILD}`);
    expect(runOnly.probe).toMatchObject({ usable: true, buildable: false });
    expect((runOnly.probe as { buildError: string }).buildError).toContain('libnvinfer_builder_resource.so.10.3.0 was found neither next to');
    expect(runOnly.thrown).toMatchObject({ code: 'ERR_BACKEND_UNAVAILABLE' });
  });
});
