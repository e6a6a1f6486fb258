#!/usr/bin/env node
// prebuildify calls its "node-gyp" as `<shim> rebuild --target=<node> --devdir=... --arch=<arch> --release`;
// this shim builds with cmake-js instead (N-API, so the target version does not matter) and
// leaves build/Release/yoloe_trt.node where prebuildify looks for it.
//   --arch=arm64 on an x64 host cross-compiles with Debian's g++-aarch64-linux-gnu
//   (cmake/toolchains/aarch64-linux-gnu.cmake); no CUDA or TensorRT library is needed for either.
// Release prebuilds carry the TensorRT backend, compiled against TensorRT 10.3's headers (JetPack
// 6's, the oldest supported: a newer libnvinfer 10.x runs what was compiled against them):
// TENSORRT_INCLUDE_DIR, else ../shared/tensorrt-headers/10.3/include, else .deps/tensorrt-10.3*
// (npm run fetch:tensorrt-headers), else the oldest .deps/tensorrt-10.*. Without any, or when the
// backend cannot be compiled in, the build FAILS; YOLOE_PREBUILD_WITHOUT_TENSORRT=1 allows a
// CPU/CUDA-only prebuild (not for release).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = process.cwd();
const cli = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const jobs = process.env.YOLOE_BUILD_JOBS || '2';
const args = [cli, 'rebuild', '--parallel', jobs];
if (process.argv.includes('--debug')) args.push('--debug');

function tensorRtHeaders() {
  if (process.env.TENSORRT_INCLUDE_DIR) return process.env.TENSORRT_INCLUDE_DIR;
  const shared = path.join(root, '..', 'shared', 'tensorrt-headers', '10.3', 'include');
  if (fs.existsSync(path.join(shared, 'NvInfer.h'))) return shared;
  const deps = path.join(root, '.deps');
  const found = fs.existsSync(deps) ? fs.readdirSync(deps).filter((d) => /^tensorrt-10\./.test(d)) : [];
  found.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const oldest = found[0];
  return oldest ? path.join(deps, oldest, 'include') : null;
}

const withoutTensorRt = process.env.YOLOE_PREBUILD_WITHOUT_TENSORRT === '1';
const headers = tensorRtHeaders();
if (headers) {
  args.push(`--CDTENSORRT_INCLUDE_DIR=${headers}`);
} else if (!withoutTensorRt) {
  console.error(
    'yoloe-trt prebuild: no TensorRT headers (set TENSORRT_INCLUDE_DIR to TensorRT 10.3\'s include folder, or run ' +
      '`npm run fetch:tensorrt-headers`). Release prebuilds must carry the TensorRT backend; ' +
      'YOLOE_PREBUILD_WITHOUT_TENSORRT=1 builds one without it.',
  );
  process.exit(1);
}
if (!withoutTensorRt) args.push('--CDYOLOE_REQUIRE_TENSORRT=ON');

const archArg = process.argv.find((a) => a.startsWith('--arch='));
const arch = archArg ? archArg.slice('--arch='.length) : process.env.PREBUILD_ARCH || os.arch();
if (arch !== os.arch()) {
  if (arch !== 'arm64' || os.platform() !== 'linux') {
    console.error(`yoloe-trt prebuild: cross-compiling for ${arch} on ${os.platform()}-${os.arch()} is not set up (linux-arm64 is)`);
    process.exit(1);
  }
  args.push(`--CDCMAKE_TOOLCHAIN_FILE=${path.join(root, 'cmake', 'toolchains', 'aarch64-linux-gnu.cmake')}`);
}
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
