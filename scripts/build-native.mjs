#!/usr/bin/env node
// Native build entry points (see package.json scripts):
//   install   npm's install hook: use a matching prebuild or an existing build, else build from
//             source with cmake-js; if that is impossible the install still succeeds and the
//             CPU backend works (the addon is reported absent by `yoloe-trt doctor`).
//   build     cmake-js build of the addon (fails loudly). Extra args go to cmake-js.
//   tests     plain CMake build of native/tests (no Node) and ctest.
//   sanitize  the same with -fsanitize=address,undefined (CPU twins + randomized fuzz test).
// Parallelism defaults to 2 jobs (YOLOE_BUILD_JOBS overrides). No CUDA toolkit is needed: the CUDA
// driver and NVRTC are loaded at run time and the kernels compiled on the device.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const jobs = process.env.YOLOE_BUILD_JOBS ?? '2';
const [mode = 'build', ...extra] = process.argv.slice(2);

function run(cmd, args, opts = {}) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.error) return { ok: false, why: r.error.message };
  return { ok: r.status === 0, why: `exit code ${r.status}` };
}

function cmakeJs() {
  try {
    return require.resolve('cmake-js/bin/cmake-js');
  } catch {
    return null;
  }
}

function buildAddon(args) {
  const cli = cmakeJs();
  if (!cli) return { ok: false, why: 'cmake-js is not installed (npm install cmake-js node-addon-api)' };
  return run(process.execPath, [cli, 'build', '--parallel', jobs, ...args]);
}

function existingAddon() {
  try {
    const gypBuild = require('node-gyp-build');
    const path = gypBuild.resolve(root);
    require(path); // a prebuild for another libc or a broken build must not count
    return path;
  } catch {
    return null;
  }
}

function fromSourceRequested() {
  return process.env.npm_config_build_from_source === 'true' || process.env.YOLOE_TRT_BUILD_FROM_SOURCE === '1';
}

function testsBuild(dir, cmakeArgs) {
  const configure = run('cmake', ['-S', '.', '-B', dir, '-DYOLOE_BUILD_TESTS=ON', '-DYOLOE_BUILD_ADDON=OFF', ...cmakeArgs, ...extra]);
  if (!configure.ok) return configure;
  const build = run('cmake', ['--build', dir, '--parallel', jobs]);
  if (!build.ok) return build;
  return run('ctest', ['--test-dir', dir, '--output-on-failure']);
}

let result;
switch (mode) {
  case 'install': {
    const found = fromSourceRequested() ? null : existingAddon();
    if (found) {
      console.log(`yoloe-trt: using the native addon at ${found}`);
      process.exit(0);
    }
    result = buildAddon(extra);
    if (!result.ok) {
      console.warn(
        `yoloe-trt: the native addon was not built (${result.why}).\n` +
          '  The CPU backend (onnxruntime-node) works without it; run `npx yoloe-trt doctor` for details.\n' +
          '  To build it: install cmake and a C++17 compiler (and the TensorRT headers for the GPU path), then `npm rebuild yoloe-trt`.',
      );
    }
    process.exit(0);
    break;
  }
  case 'build':
    result = buildAddon(extra);
    break;
  case 'tests':
    result = testsBuild(join('build', 'tests'), []);
    break;
  case 'sanitize':
    // the CUDA layer is host code too: its launch path runs on the host-memory driver under the sanitizers
    result = testsBuild(join('build', 'sanitize'), ['-DYOLOE_SANITIZE=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo']);
    if (result.ok) result = run(join('build', 'sanitize', 'native', 'tests', 'yoloe_fuzz_twins'), ['5000', String(Date.now() % 1e9)]);
    break;
  default:
    console.error(`unknown mode ${mode}: use install, build, tests or sanitize`);
    process.exit(2);
}
if (!result.ok) {
  console.error(`yoloe-trt: native ${mode} failed (${result.why})`);
  process.exit(1);
}
if (mode === 'build' && !existsSync(join(root, 'build', 'Release', 'yoloe_trt.node'))) {
  console.error('yoloe-trt: build finished but build/Release/yoloe_trt.node is missing');
  process.exit(1);
}
