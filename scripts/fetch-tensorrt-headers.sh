#!/usr/bin/env bash
# Fetches the public TensorRT headers that `npm run check:tensorrt` compiles the backend against
# (they are not needed to build or use yoloe-trt; TensorRT itself is loaded at run time). Into
# .deps/ (git-ignored; never commit it):
#   .deps/tensorrt-10.3.0/include   NVIDIA/TensorRT tag v10.3.0 (JetPack 6), plus NvOnnxParser.h
#                                   from onnx/onnx-tensorrt branch 10.1-GA (10.3's include/ has none)
#   .deps/tensorrt-10.16/include    NVIDIA/TensorRT tag v10.16 (newest 10.x)
#   .deps/tensorrt-11.1/include     NVIDIA/TensorRT tag v11.1
# Override the refs with TRT10_OLD_REF, TRT10_NEW_REF, TRT11_REF, ONNX_TRT_REF.
# Then: npm run check:tensorrt -- .deps/tensorrt-10.3.0/include .deps/tensorrt-10.16/include .deps/tensorrt-11.1/include
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
deps="$root/.deps"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

trt_old="${TRT10_OLD_REF:-v10.3.0}"
trt_new="${TRT10_NEW_REF:-v10.16}"
trt_11="${TRT11_REF:-v11.1}"
onnx_trt="${ONNX_TRT_REF:-10.1-GA}"

# Shallow, blob-less clones: only include/ (and one file of onnx-tensorrt) is checked out.
headers() { # <repo url> <ref> <dest folder> <path...>
  local url="$1" ref="$2" dest="$3"
  shift 3
  local clone="$work/$(basename "$url" .git)-$ref"
  git clone --quiet --depth 1 --branch "$ref" --filter=blob:none --no-checkout "$url" "$clone"
  git -C "$clone" checkout --quiet HEAD -- "$@"
  mkdir -p "$dest"
  for path in "$@"; do cp -R "$clone/$path" "$dest/"; done
  echo "$(basename "$url" .git) $ref -> $dest ($(git -C "$clone" rev-parse HEAD))"
}

headers https://github.com/NVIDIA/TensorRT.git "$trt_old" "$deps/tensorrt-10.3.0" include
headers https://github.com/onnx/onnx-tensorrt.git "$onnx_trt" "$deps/tensorrt-10.3.0/include" NvOnnxParser.h
headers https://github.com/NVIDIA/TensorRT.git "$trt_new" "$deps/tensorrt-10.16" include
headers https://github.com/NVIDIA/TensorRT.git "$trt_11" "$deps/tensorrt-11.1" include
echo "done: npm run check:tensorrt -- $deps/tensorrt-10.3.0/include $deps/tensorrt-10.16/include $deps/tensorrt-11.1/include"
