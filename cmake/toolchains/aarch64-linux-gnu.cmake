# Cross-compiling the addon for linux-arm64 (Jetson, Graviton, Ampere) on an x86-64 Debian/Ubuntu
# host with its packaged cross toolchain:
#   apt-get install g++-aarch64-linux-gnu
#   cmake -S . -B build/arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/aarch64-linux-gnu.cmake
# (npm run native:prebuild -- --arch arm64 does this through cmake-js). Nothing CUDA or TensorRT
# is linked, so no NVIDIA sysroot is needed: only the TensorRT headers, found as on x64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(_yoloe_cross aarch64-linux-gnu)
find_program(CMAKE_C_COMPILER NAMES ${_yoloe_cross}-gcc ${_yoloe_cross}-gcc-14 ${_yoloe_cross}-gcc-13 ${_yoloe_cross}-gcc-12 REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${_yoloe_cross}-g++ ${_yoloe_cross}-g++-14 ${_yoloe_cross}-g++-13 ${_yoloe_cross}-g++-12 REQUIRED)
find_program(CMAKE_STRIP NAMES ${_yoloe_cross}-strip)
set(CMAKE_FIND_ROOT_PATH /usr/${_yoloe_cross})
# programs from the host, libraries and headers from the target; the TensorRT headers are
# plain C++ found by absolute path (TENSORRT_INCLUDE_DIR), so BOTH lets find_path see them
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# Jetson Orin (Cortex-A78AE) and Xavier (Carmel) are ARMv8.2; plain armv8-a runs on every arm64
# board and server, which is what a prebuild must do.
set(CMAKE_CXX_FLAGS_INIT "-march=armv8-a")
