#!/usr/bin/env bash
# Builds the yoloe-trt addon ON a Jetson (linux-arm64, JetPack 6: CUDA 12.6, TensorRT 10.3,
# Orin = sm_87) and packs it as a prebuild: prebuilds/linux-arm64/yoloe-trt.napi.node.
#
#   sudo apt-get install -y cmake g++ nvidia-jetpack   # JetPack 6 brings CUDA 12.6 + TensorRT 10
#   npm ci && scripts/build-jetson.sh
#
# Env: YOLOE_CUDA_ARCHS (default 87: Orin; Xavier would be 72, which CUDA 12.6 still supports
# but 13.x does not), CUDA_HOME (default /usr/local/cuda), YOLOE_BUILD_JOBS (default 4: Orin
# boards have 6-12 cores but little RAM; nvcc wants ~1 GB per job).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(uname -m)" != "aarch64" ]]; then
  echo "build-jetson.sh builds natively on the Jetson (aarch64); this is $(uname -m)." >&2
  echo "Cross-compiling CUDA + TensorRT for JetPack needs NVIDIA's aarch64 sysroot; build on the device instead." >&2
  exit 1
fi

export CUDA_HOME="${CUDA_HOME:-/usr/local/cuda}"
export PATH="$CUDA_HOME/bin:$PATH"
export YOLOE_BUILD_JOBS="${YOLOE_BUILD_JOBS:-4}"
archs="${YOLOE_CUDA_ARCHS:-87}"

command -v nvcc >/dev/null || { echo "nvcc not found under $CUDA_HOME/bin: install JetPack 6 (nvidia-jetpack)" >&2; exit 1; }
nvcc --version | tail -n 2
if [[ -f /etc/nv_tegra_release ]]; then head -n 1 /etc/nv_tegra_release; fi
ls /usr/include/aarch64-linux-gnu/NvInfer.h >/dev/null 2>&1 || echo "warning: TensorRT headers not found (apt-get install libnvinfer-dev libnvonnxparsers-dev): the addon will build without TensorRT" >&2

# prebuildify runs scripts/prebuild-shim.cjs, which hands YOLOE_CUDA_ARCHS to CMake
export YOLOE_CUDA_ARCHS="$archs"
npx prebuildify --napi --strip --name yoloe-trt.napi --node-gyp scripts/prebuild-shim.cjs

node -e "
const p = require('node-gyp-build').resolve('.');
const b = require(p);
console.log('loaded', p);
console.log(JSON.stringify(b.capabilities(), null, 2));
"
ls -l prebuilds/linux-arm64/
