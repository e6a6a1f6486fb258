#!/usr/bin/env node
// prebuildify calls its "node-gyp" as `<shim> rebuild --target=<node> --devdir=... --release`;
// this shim builds with cmake-js instead (N-API, so the target version does not matter) and
// leaves build/Release/yoloe_trt.node where prebuildify looks for it.
'use strict';
const { spawnSync } = require('node:child_process');

const root = process.cwd();
const cli = require.resolve('cmake-js/bin/cmake-js', { paths: [root] });
const jobs = process.env.YOLOE_BUILD_JOBS || '2';
const args = [cli, 'rebuild', '--parallel', jobs];
if (process.argv.includes('--debug')) args.push('--debug');
// CUDA architectures, e.g. YOLOE_CUDA_ARCHS=87 for Jetson Orin (CMake default: 75;80;86;87;89;90)
if (process.env.YOLOE_CUDA_ARCHS) args.push(`--CDYOLOE_CUDA_ARCHS=${process.env.YOLOE_CUDA_ARCHS}`);
// Release prebuilds carry the TensorRT backend: it needs TensorRT's headers at build time only
// (libnvinfer is dlopen'ed at run time). Without TENSORRT_INCLUDE_DIR, the newest TensorRT 10
// headers fetched into .deps/ (npm run fetch:tensorrt-headers) are used when present.
if (!process.env.TENSORRT_INCLUDE_DIR) {
  const fs = require('node:fs');
  const path = require('node:path');
  const deps = path.join(root, '.deps');
  const tens = fs.existsSync(deps) ? fs.readdirSync(deps).filter((d) => /^tensorrt-10\./.test(d)) : [];
  tens.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const newest = tens.pop();
  if (newest) args.push(`--CDTENSORRT_INCLUDE_DIR=${path.join(deps, newest, 'include')}`);
}
const arch = process.argv.find((a) => a.startsWith('--arch='));
if (arch) args.push('--arch', arch.slice('--arch='.length));
const r = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' });
process.exit(r.status === null ? 1 : r.status);
