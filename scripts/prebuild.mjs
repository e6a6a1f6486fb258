#!/usr/bin/env node
// Release prebuilds (npm run native:prebuild, run by prepack): prebuilds/linux-x64 and
// prebuilds/linux-arm64 (cross-compiled: apt-get install g++-aarch64-linux-gnu), each through
// scripts/prebuild-shim.cjs, then checked: the right ELF machine, and no CUDA, NVRTC or TensorRT
// library among its needed libraries (all of them are loaded at run time).
//   node scripts/prebuild.mjs [--arch x64|arm64]   (default: both on an x64 host)
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { arch as hostArch } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const i = process.argv.indexOf('--arch');
// the host's last: each build starts from a clean build/ (cmake-js rebuild), and build/Release
// should end up holding the one this machine can load
const archs = i > 0 ? [process.argv[i + 1]] : hostArch() === 'x64' ? ['arm64', 'x64'] : [hostArch()];
const machine = { x64: 'Advanced Micro Devices X86-64', arm64: 'AArch64' };
const forbidden = /lib(cuda|cudart|nvrtc|nvinfer|nvonnxparser)[^ \]]*/;

function fail(message) {
  console.error(`yoloe-trt prebuild: ${message}`);
  process.exit(1);
}

for (const a of archs) {
  if (!machine[a]) fail(`unsupported architecture ${a}`);
  const extra = a !== hostArch() ? ['--arch', a, '--strip-bin', 'aarch64-linux-gnu-strip'] : [];
  const prebuildify = join(root, 'node_modules', 'prebuildify', 'bin.js');
  const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--name', 'yoloe-trt.napi',
    '--node-gyp', 'scripts/prebuild-shim.cjs', ...extra], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail(`prebuildify for linux-${a} failed (exit ${r.status})`);
  const file = join(root, 'prebuilds', `linux-${a}`, 'yoloe-trt.napi.node');
  if (!existsSync(file)) fail(`${file} was not produced`);
  const header = spawnSync('readelf', ['-h', file], { encoding: 'utf8' }).stdout ?? '';
  if (!header.includes(machine[a])) fail(`${file} is not a ${machine[a]} binary`);
  const dynamic = spawnSync('readelf', ['-d', file], { encoding: 'utf8' }).stdout ?? '';
  const needed = dynamic.split('\n').filter((l) => l.includes('(NEEDED)'));
  const bad = needed.filter((l) => forbidden.test(l));
  if (bad.length > 0) fail(`${file} links GPU libraries that must be loaded at run time:\n${bad.join('\n')}`);
  // a cross build leaves build/ configured for the target: the next `npm run native:build` must start afresh
  if (a !== hostArch()) rmSync(join(root, 'build'), { recursive: true, force: true });
  console.log(`prebuilds/linux-${a}/yoloe-trt.napi.node: ${machine[a]}, needs ${needed.map((l) => l.replace(/.*\[(.*)\].*/, '$1')).join(', ')}`);
}
