#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU + driver, NVRTC, CMake and g++ (no Node, no
# CUDA toolkit, no nvcc, no TensorRT): builds the C++ tests and compares every CUDA kernel with
# its CPU twin on this GPU. The kernels are compiled by NVRTC exactly as the addon does
# (native/cuda/kernel_compiler.cpp: same source, options and cache), first compiled, then
# again read back from the disk cache, then times the GPU pre/post-processing against the CPU path
# (yoloe_gpu_bench). Exit 0 = all compared and equal; "NOT RUN" is a failure here.
#   bash scripts/gpu-check.sh [build-dir]
# Env: YOLOE_TRT_NVRTC (libnvrtc file or folder, when not on the loader's path).
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build/gpu-check}"
echo "GPU: $(nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv,noheader 2>/dev/null || echo 'nvidia-smi not found')"
cmake -S . -B "$dir" -DYOLOE_BUILD_TESTS=ON -DYOLOE_BUILD_ADDON=OFF >/dev/null
cmake --build "$dir" --parallel "$(nproc)" >/dev/null
cache="$(mktemp -d)"
trap 'rm -rf "$cache"' EXIT
export YOLOE_TRT_KERNEL_CACHE="$cache" YOLOE_REQUIRE_NVRTC=1
"$dir/native/tests/yoloe_cuda_tests" nvrtc | tail -n 3
status=0
for pass in compile cache; do
  echo "== GPU kernels vs CPU twins ($pass)"
  set +e
  "$dir/native/tests/yoloe_twin_tests" gpu
  rc=$?
  set -e
  if [[ $rc -ne 0 ]]; then
    echo "GPU check FAILED ($pass: exit $rc; 77 = not run)"
    status=1
  fi
done
ls -l "$cache"
if [[ $status -eq 0 ]]; then
  # What detect() adds around enqueueV3 on this GPU, GPU path against the CPU path it replaces
  # (native/tests/bench_gpu_pipeline.cpp; enqueueV3 itself: npm run bench -- tensorrt with TensorRT).
  echo "== GPU preprocessing / compaction vs the CPU path"
  "$dir/native/tests/yoloe_gpu_bench" || { echo "GPU bench FAILED"; status=1; }
fi
[[ $status -eq 0 ]] && echo "GPU check passed"
exit $status
