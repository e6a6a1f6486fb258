#!/usr/bin/env node
// Compile-checks the TensorRT backend against one or more sets of public TensorRT headers:
//   npm run check:tensorrt -- .deps/tensorrt-10.3.0/include .deps/tensorrt-10.16/include .deps/tensorrt-11.1/include
// With no arguments it checks every .deps/tensorrt-*/include (scripts/fetch-tensorrt-headers.sh
// fills them). Each native/tensorrt/*.cpp and native/addon/tensorrt_*.cpp is compiled with
// -std=c++17 -Wall -Wextra -Werror -fsyntax-only, with YOLOE_WITH_TENSORRT=1, against each set,
// then once more without TensorRT (the header-free build CI makes). Needs the CUDA headers
// (CUDA_HOME, default /usr/local/cuda): NvInferRuntimeBase.h includes cuda_runtime_api.h.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const require = createRequire(join(root, 'package.json'));
const cxx = process.env.CXX || 'g++';
const cudaHome = process.env.CUDA_HOME || process.env.CUDA_PATH || '/usr/local/cuda';
const cudaInclude = join(cudaHome, 'include');

function headerSets() {
  const given = process.argv.slice(2).filter((a) => a !== '--');
  if (given.length > 0) return given.map((dir) => resolve(dir));
  const deps = join(root, '.deps');
  const found = existsSync(deps)
    ? readdirSync(deps).filter((d) => d.startsWith('tensorrt-')).map((d) => join(deps, d, 'include')).sort()
    : [];
  if (found.length === 0) {
    console.error('No TensorRT header sets given and none under .deps/: run scripts/fetch-tensorrt-headers.sh first.');
    process.exit(2);
  }
  return found;
}

function headerVersion(dir) {
  const text = readFileSync(join(dir, 'NvInferVersion.h'), 'utf8');
  const pick = (name) => {
    const direct = new RegExp(`#define\\s+NV_TENSORRT_${name}\\s+(\\d+)`).exec(text);
    if (direct) return direct[1];
    // 10.x later and 11.x define NV_TENSORRT_MAJOR through TRT_MAJOR_ENTERPRISE
    return new RegExp(`#define\\s+TRT_${name}_ENTERPRISE\\s+(\\d+)`).exec(text)?.[1] ?? '?';
  };
  return `${pick('MAJOR')}.${pick('MINOR')}.${pick('PATCH')}`;
}

function nodeIncludes() {
  const napi = String(require('node-addon-api').include).replace(/"/g, '');
  const nodeHeaders = resolve(dirname(process.execPath), '..', 'include', 'node');
  if (!existsSync(join(nodeHeaders, 'node_api.h'))) {
    throw new Error(`node_api.h not found under ${nodeHeaders}: the Node.js headers are needed for the binding`);
  }
  return [napi, nodeHeaders];
}

const sources = [
  ...readdirSync(join(root, 'native', 'tensorrt'))
    .filter((f) => f.endsWith('.cpp'))
    .sort()
    .map((f) => join(root, 'native', 'tensorrt', f)),
  ...readdirSync(join(root, 'native', 'addon'))
    .filter((f) => f.startsWith('tensorrt_') && f.endsWith('.cpp'))
    .sort()
    .map((f) => join(root, 'native', 'addon', f)),
].filter((f) => existsSync(f));

// A unit needs TensorRT when it, or a local header it includes (transitively), includes <Nv...>
// or a CUDA runtime header.
// The others are header-free: CMake compiles them into every build and so does this check.
function needsTensorRt(file, seen = new Set()) {
  if (seen.has(file) || !existsSync(file)) return false;
  seen.add(file);
  const text = readFileSync(file, 'utf8');
  if (/#\s*include\s*<(Nv[A-Za-z]*|cuda[A-Za-z_]*)\.h>/.test(text)) return true;
  for (const [, header] of text.matchAll(/#\s*include\s*"([^"]+)"/g)) {
    const candidates = [join(dirname(file), header), join(root, 'native', header)];
    if (candidates.some((c) => needsTensorRt(c, seen))) return true;
  }
  return false;
}

const baseFlags = ['-std=c++17', '-Wall', '-Wextra', '-Werror', '-fsyntax-only', `-I${join(root, 'native')}`];
const napiFlags = ['-DNAPI_VERSION=8', '-DNODE_ADDON_API_CPP_EXCEPTIONS', '-DNODE_ADDON_API_DISABLE_DEPRECATED'];
const hasCudaKernels = existsSync(join(root, 'native', 'cuda', 'kernels.h'));

function flagsFor(source, includeDir) {
  const flags = [...baseFlags];
  if (includeDir) {
    // -isystem: warnings inside NVIDIA's and CUDA's headers are theirs; ours must be clean.
    flags.push('-DYOLOE_WITH_TENSORRT=1', '-isystem', includeDir, '-isystem', cudaInclude);
    if (hasCudaKernels) flags.push('-DYOLOE_WITH_CUDA=1');
  }
  if (source.includes(`${join('native', 'addon')}/`)) {
    const [napi, node] = nodeIncludes();
    flags.push(...napiFlags, '-isystem', napi, '-isystem', node);
  }
  return flags;
}

async function compile(source, includeDir) {
  try {
    await run(cxx, [...flagsFor(source, includeDir), source], { maxBuffer: 32 << 20 });
    return { source, ok: true, output: '' };
  } catch (error) {
    return { source, ok: false, output: `${error.stderr || error.message}` };
  }
}

async function runLimited(jobs, limit) {
  const results = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < jobs.length) {
        const job = jobs[next++];
        results.push(await job());
      }
    }),
  );
  return results;
}

if (!existsSync(join(cudaInclude, 'cuda_runtime_api.h'))) {
  console.error(`CUDA headers not found at ${cudaInclude}: set CUDA_HOME`);
  process.exit(2);
}

const limit = Math.max(1, Math.min(Number(process.env.JOBS) || 2, cpus().length));
const configs = [...headerSets().map((dir) => ({ dir, label: `TensorRT ${headerVersion(dir)} (${relative(root, dir) || dir})` })), { dir: null, label: 'without TensorRT headers' }];
let failures = 0;
for (const { dir, label } of configs) {
  if (dir && !existsSync(join(dir, 'NvInfer.h'))) {
    console.error(`FAIL ${label}: no NvInfer.h in ${dir}`);
    failures++;
    continue;
  }
  if (dir && !existsSync(join(dir, 'NvOnnxParser.h'))) {
    console.error(`FAIL ${label}: no NvOnnxParser.h in ${dir} (TensorRT 10.3: take it from onnx/onnx-tensorrt 10.1-GA)`);
    failures++;
    continue;
  }
  const started = Date.now();
  // The binding files compile in both modes (their TensorRT parts under YOLOE_WITH_TENSORRT);
  // TensorRT units only with headers.
  const selected = dir ? sources : sources.filter((s) => s.includes(`${join('native', 'addon')}/`) || !needsTensorRt(s));
  const results = await runLimited(selected.map((s) => () => compile(s, dir)), limit);
  const failed = results.filter((r) => !r.ok);
  failures += failed.length;
  for (const r of failed) console.error(`--- ${relative(root, r.source)}\n${r.output}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${failed.length === 0 ? 'ok  ' : 'FAIL'} ${label}: ${results.length - failed.length}/${results.length} files compile with -Wall -Wextra -Werror (${seconds} s)`);
}
process.exit(failures === 0 ? 0 : 1);
