#!/usr/bin/env bash
# Unpacks NVRTC (the CUDA run-time compiler) from NVIDIA's `nvidia-cuda-nvrtc` wheel into
# .deps/nvrtc/lib, for the tests that compile the kernel source with the real NVRTC (no GPU
# needed) and for machines that have a driver but no CUDA toolkit. Prints the folder; use it as
#   YOLOE_TRT_NVRTC=$(bash scripts/fetch-nvrtc.sh) ...
# Env: NVRTC_WHEEL (default nvidia-cuda-nvrtc), DEST (default .deps/nvrtc).
set -euo pipefail
cd "$(dirname "$0")/.."
spec="${NVRTC_WHEEL:-nvidia-cuda-nvrtc}"
dest="${DEST:-.deps/nvrtc}"
if ls "$dest"/lib/libnvrtc.so.* >/dev/null 2>&1; then
  (cd "$dest/lib" && pwd)
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --retries 0 --timeout 5 --no-deps --only-binary=:all: -d "$tmp" "$spec" >&2
wheel="$(ls "$tmp"/*.whl | head -n1)"
mkdir -p "$dest/lib.tmp"
# the wheel keeps its libraries under nvidia/cu13/lib (13.x) or nvidia/cuda_nvrtc/lib (12.x)
python3 - "$wheel" "$dest/lib.tmp" <<'PY'
import sys, zipfile, os
wheel, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        base = os.path.basename(name)
        if '/lib/' in name and base.startswith('libnvrtc') and '.alt.' not in base:
            with z.open(name) as src, open(os.path.join(out, base), 'wb') as dst:
                dst.write(src.read())
PY
ls "$dest/lib.tmp"/libnvrtc.so.* >/dev/null
rm -rf "$dest/lib" && mv "$dest/lib.tmp" "$dest/lib"
(cd "$dest/lib" && pwd)
