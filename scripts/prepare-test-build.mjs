// What the full test suite needs besides `npm install`, built only when missing, so that the
// README's `npm test` works on a fresh clone as it does in CI (.ci/run builds the same first):
//   - the addon with its TensorRT half, when TensorRT headers are at hand (TENSORRT_INCLUDE_DIR, or
//     ../shared/tensorrt-headers/10.3/include beside the checkout): the install hook built it
//     without them, and the TensorRT tests run that half through the contract double;
//   - build/tests: the C++ twin tests, the host-memory CUDA driver and the TensorRT contract double.
// A failed step is reported and the tests then fail on their own; nothing here is silent.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jobs = process.env.YOLOE_BUILD_JOBS ?? '2';

function tensorRtHeaders() {
  const candidates = [process.env.TENSORRT_INCLUDE_DIR, resolve(root, '..', 'shared', 'tensorrt-headers', '10.3', 'include')];
  return candidates.find((dir) => dir && existsSync(join(dir, 'NvInfer.h')));
}

function run(cmd, args, env = process.env) {
  console.log(`> ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env });
  return r.status === 0;
}

/** Whether build/Release/yoloe_trt.node loads and has the TensorRT backend compiled in (asked in a child process). */
function addonHasTensorRt() {
  const addon = join(root, 'build', 'Release', 'yoloe_trt.node');
  if (!existsSync(addon)) return false;
  const probe = `const b = require(${JSON.stringify(addon)}); const p = b.tensorrt && b.tensorrt.probe && b.tensorrt.probe(); process.exit(p && p.compiled ? 0 : 1);`;
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0;
}

export function prepareTestBuild() {
  const headers = tensorRtHeaders();
  if (headers && !addonHasTensorRt()) {
    console.log(`tests: building the addon with the TensorRT headers in ${headers}`);
    // a build/ configured without the headers keeps that answer in its CMake cache: start clean
    rmSync(join(root, 'build'), { recursive: true, force: true });
    if (!run(process.execPath, [join(root, 'scripts', 'build-native.mjs'), 'build'], { ...process.env, TENSORRT_INCLUDE_DIR: headers, YOLOE_REQUIRE_TENSORRT: '1' })) {
      console.error('tests: the addon build with TensorRT failed; the TensorRT tests will fail');
    }
  }
  const tests = join(root, 'build', 'tests');
  const doubleMissing = headers && !existsSync(join(tests, 'fake-tensorrt', 'libnvinfer.so.10'));
  if (!existsSync(join(tests, 'CTestTestfile.cmake')) || doubleMissing) {
    console.log('tests: building the C++ tests and the TensorRT contract double (build/tests)');
    const configure = ['-S', '.', '-B', tests, '-DYOLOE_BUILD_TESTS=ON', '-DYOLOE_BUILD_ADDON=OFF', ...(headers ? [`-DYOLOE_TENSORRT_DOUBLE_INCLUDE=${headers}`] : [])];
    if (!run('cmake', configure) || !run('cmake', ['--build', tests, '--parallel', jobs])) {
      console.error('tests: the C++ test build failed; the tests that need it will fail');
    }
  }
}
