#!/usr/bin/env bash
# linux-arm64 under emulation (heavy, not in CI): a Debian 13 arm64 root (debootstrap into the
# git-ignored .arm64-root/, run through qemu-user-static without binfmt: QEMU_LD_PREFIX), the
# packed tarball installed there with --ignore-scripts (nothing may compile), then
#   1. the addon loads from prebuilds/linux-arm64 and `yoloe-trt doctor --json` runs
#   2. `detect` on bus.jpg gives the detections it gives on x64 (same classes, boxes and scores
#      equal up to the CLI's printed rounding)
#   3. the C++ twin and CUDA launch-path tests, cross-compiled for arm64, pass
#   apt-get install debootstrap qemu-user-static g++-aarch64-linux-gnu; npm run test:arm64
# Env: YOLOE_TARBALL (skip `npm pack`), YOLOE_TRT_FIXTURES (images, models).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
base="$repo/.arm64-root"
root="$base/root"
fixtures="${YOLOE_TRT_FIXTURES:-$repo/../shared/fixtures}"
model="$fixtures/models/yolov8n_640_fp32.onnx"
image="$fixtures/images/bus.jpg"
[[ -f "$model" && -f "$image" ]] || { echo "fixtures missing: $model, $image (set YOLOE_TRT_FIXTURES)" >&2; exit 1; }
for tool in debootstrap qemu-aarch64-static aarch64-linux-gnu-g++ dpkg-deb; do
  command -v "$tool" >/dev/null || { echo "$tool not found: apt-get install debootstrap qemu-user-static g++-aarch64-linux-gnu" >&2; exit 1; }
done
emu() { QEMU_LD_PREFIX="$root" qemu-aarch64-static "$@"; }

# ---- the arm64 root: debootstrap's first stage (no binfmt needed), every package unpacked
if [[ ! -x "$root/usr/bin/node" ]]; then
  rm -rf "$root" && mkdir -p "$root"
  debootstrap --foreign --variant=minbase --arch=arm64 --include=nodejs trixie "$root" http://deb.debian.org/debian
  for deb in "$root"/var/cache/apt/archives/*.deb; do dpkg-deb -x "$deb" "$root"; done
fi
# qemu-user shows the host's x86 /proc/cpuinfo, which ONNX Runtime's CPU detection cannot parse
# (it crashes); qemu reads an absolute path from the root first, so an arm64 one there is used.
mkdir -p "$root/proc" "$root/sys/devices/system/cpu"
for cpu in 0 1; do
  printf 'processor\t: %d\nBogoMIPS\t: 62.50\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd42\nCPU revision\t: 1\n\n' "$cpu"
done > "$root/proc/cpuinfo"
echo 0-1 > "$root/sys/devices/system/cpu/possible"
echo 0-1 > "$root/sys/devices/system/cpu/present"
echo "arm64 node: $(emu "$root/usr/bin/node" -p 'process.arch + " " + process.version')"

# ---- the tarball (prepack builds both prebuilds), installed for linux-arm64 without scripts
tarball="${YOLOE_TARBALL:-}"
if [[ -z "$tarball" ]]; then
  tarball="$repo/$(npm pack --silent | tail -n1)"
fi
tar -tzf "$tarball" | grep -E 'prebuilds/linux-(x64|arm64)/yoloe-trt\.napi\.node' || { echo "tarball lacks a prebuild" >&2; exit 1; }
app="$root/opt/yoloe-app"
rm -rf "$app" && mkdir -p "$app"
# a package.json of its own: without one npm walks up to this repository's and installs there
echo '{ "name": "yoloe-arm64-check", "private": true }' > "$app/package.json"
ort="$(node -p "require('./package.json').devDependencies['onnxruntime-node']")"
(cd "$app" && npm_config_onnxruntime_node_install=skip npm install --prefix "$app" --silent --no-audit --no-fund \
  --ignore-scripts --os=linux --cpu=arm64 --libc=glibc "$tarball" "onnxruntime-node@$ort")
[[ ! -d "$app/node_modules/yoloe-trt/build" ]] || { echo "the install compiled something (build/ exists)" >&2; exit 1; }
# host paths: qemu maps an absolute path into the root only when it exists there, and node's
# module resolution needs paths that resolve the same way for every call
cli="$app/node_modules/yoloe-trt/dist/cli/bin.js"
status=0

# ---- 1. doctor
emu "$root/usr/bin/node" "$cli" doctor --json > "$base/doctor-arm64.json"
node -e "
const r = require('$base/doctor-arm64.json');
const ok = r.addon.loaded && r.addon.source === 'prebuild' && /prebuilds\/linux-arm64\//.test(r.addon.path) &&
  r.backends.cpu.usable && r.cuda.state === 'no-driver' && r.backends.tensorrt.usable === false;
console.log('doctor (arm64):', JSON.stringify({ addon: r.addon.path, cuda: r.cuda.state, nvrtc: r.cuda.nvrtc.found, cpu: r.backends.cpu.usable }));
process.exit(ok ? 0 : 1);" || { echo "FAIL: doctor under emulation"; status=1; }

# ---- 2. detect on bus.jpg, arm64 vs x64
emu "$root/usr/bin/node" "$cli" detect "$image" --model "$model" --json > "$base/detect-arm64.json"
node "$repo/dist/cli/bin.js" detect "$image" --model "$model" --json > "$base/detect-x64.json"
node -e "
const read = (f) => JSON.parse(require('fs').readFileSync(f, 'utf8').trim().split('\n')[0]);
const a = read('$base/detect-arm64.json'), x = read('$base/detect-x64.json');
const da = a.detections, dx = x.detections;
let ok = da.length === dx.length && da.length > 0;
for (let i = 0; ok && i < da.length; i++) {
  // the CLI prints boxes to 0.01 px and scores to 1e-4: equal up to one unit of that rounding
  ok = da[i].classId === dx[i].classId && da[i].label === dx[i].label && Math.abs(da[i].score - dx[i].score) <= 1.01e-4 &&
    da[i].box.every((v, k) => Math.abs(v - dx[i].box[k]) <= 0.0101);
}
console.log('detect bus.jpg: arm64', da.length, 'x64', dx.length, ok ? 'equal' : 'DIFFERENT');
process.exit(ok ? 0 : 1);" || { echo "FAIL: detect differs"; status=1; }

# ---- 3. cross-compiled C++ tests
cmake -S . -B build/arm64-tests -DYOLOE_BUILD_TESTS=ON -DYOLOE_BUILD_ADDON=OFF \
  -DCMAKE_TOOLCHAIN_FILE="$repo/cmake/toolchains/aarch64-linux-gnu.cmake" >/dev/null
cmake --build build/arm64-tests --parallel 2 >/dev/null
t=build/arm64-tests/native/tests
for run in "yoloe_twin_tests cpu" "yoloe_fuzz_twins 300" "yoloe_cuda_tests launch" "yoloe_cuda_tests cache"; do
  set -- $run
  if out="$(emu "$t/$1" "${@:2}" 2>&1)"; then echo "arm64 $run: $(echo "$out" | tail -n1)"; else echo "$out"; echo "FAIL: arm64 $run"; status=1; fi
done
[[ $status -eq 0 ]] && echo "arm64 emulation: all passed"
exit $status
