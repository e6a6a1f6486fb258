#!/usr/bin/env bash
# Builds the yoloe-trt addon ON a Jetson (linux-arm64, JetPack 6: TensorRT 10.3, CUDA 12.6) and
# packs it as a prebuild: prebuilds/linux-arm64/yoloe-trt.napi.node. Not needed for `npm install`
# (the package ships that prebuild, cross-compiled: npm run native:prebuild); use it to build
# from a checkout on the device. Neither nvcc nor any CUDA library is needed: the driver and
# NVRTC are loaded at run time and the kernels are compiled on the device by NVRTC.
#
#   sudo apt-get install -y cmake g++ libnvinfer-dev libnvonnxparsers-dev   # TensorRT headers (JetPack 6)
#   npm ci && scripts/build-jetson.sh
#
# Env: TENSORRT_INCLUDE_DIR (default: JetPack's /usr/include/aarch64-linux-gnu), YOLOE_BUILD_JOBS
# (default 4: Orin boards have 6-12 cores but little RAM).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ "$(uname -m)" != "aarch64" ]]; then
  echo "build-jetson.sh builds natively on the Jetson (aarch64); this is $(uname -m)." >&2
  echo "To cross-compile the arm64 prebuild here: apt-get install g++-aarch64-linux-gnu && npm run native:prebuild -- --arch arm64" >&2
  exit 1
fi

export YOLOE_BUILD_JOBS="${YOLOE_BUILD_JOBS:-4}"
if [[ -f /etc/nv_tegra_release ]]; then head -n 1 /etc/nv_tegra_release; fi
if [[ -z "${TENSORRT_INCLUDE_DIR:-}" && -f /usr/include/aarch64-linux-gnu/NvInfer.h ]]; then
  export TENSORRT_INCLUDE_DIR=/usr/include/aarch64-linux-gnu
fi
[[ -n "${TENSORRT_INCLUDE_DIR:-}" ]] || echo "warning: TensorRT headers not found (apt-get install libnvinfer-dev libnvonnxparsers-dev): the build will fail; YOLOE_PREBUILD_WITHOUT_TENSORRT=1 builds without TensorRT" >&2

node scripts/prebuild.mjs --arch arm64

node -e "
const p = require('node-gyp-build').resolve('.');
const b = require(p);
console.log('loaded', p);
console.log(JSON.stringify(b.capabilities(), null, 2));
"
ls -l prebuilds/linux-arm64/
