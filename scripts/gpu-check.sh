#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU, nvcc and CMake but no Node (the device
# machine): builds the C++ twin tests with the CUDA kernels for this GPU's architecture and runs
# them; every kernel is compared with its CPU twin. Prints ctest's summary; exit 0 = all passed.
#   bash scripts/gpu-check.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build/gpu-check}"
arch="$( (nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null || true) | head -n1 | tr -d '.')"
echo "GPU: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo none), arch ${arch:-default}"
cmake -S . -B "$dir" -DYOLOE_BUILD_TESTS=ON -DYOLOE_BUILD_ADDON=OFF ${arch:+-DYOLOE_CUDA_ARCHS=$arch} >/dev/null
cmake --build "$dir" --parallel "$(nproc)" >/dev/null
ctest --test-dir "$dir" --output-on-failure
