# The TensorRT backend, included by the top-level CMakeLists.txt after the `yoloe_trt` addon
# target exists. TensorRT is never linked: libnvinfer / libnvonnxparser are dlopen'ed at run
# time (loader.cpp), so only the HEADERS are needed to compile the backend in.
#
#   cmake-js build --CDTENSORRT_INCLUDE_DIR=/path/to/TensorRT/include
#   (or the TENSORRT_INCLUDE_DIR / TENSORRT_ROOT environment variables)

set(_yoloe_trt_dir ${CMAKE_CURRENT_LIST_DIR})

# Header-free units (no NvInfer.h, no CUDA): compiled into every build, so probe() reports the
# library search and the engine-file / calibration-cache helpers work without TensorRT.
target_sources(yoloe_trt PRIVATE
  ${_yoloe_trt_dir}/loader_paths.cpp
  ${_yoloe_trt_dir}/library_open.cpp
  ${_yoloe_trt_dir}/engine_file.cpp
  ${_yoloe_trt_dir}/calibration_cache.cpp
  ${_yoloe_trt_dir}/calibration_data.cpp
  ${_yoloe_trt_dir}/file_io.cpp)
target_link_libraries(yoloe_trt PRIVATE ${CMAKE_DL_LIBS})

set(TENSORRT_INCLUDE_DIR "$ENV{TENSORRT_INCLUDE_DIR}" CACHE PATH "Folder holding NvInfer.h and NvOnnxParser.h")
set(TENSORRT_ROOT "$ENV{TENSORRT_ROOT}" CACHE PATH "TensorRT install root (its include/ is searched)")

find_path(YOLOE_TENSORRT_INCLUDE NvInfer.h
  HINTS ${TENSORRT_INCLUDE_DIR} ${TENSORRT_ROOT}/include
  PATHS /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu /usr/local/tensorrt/include /usr/include
  NO_CACHE)

set(_yoloe_trt_ok FALSE)
# TensorRT's headers include <cuda_runtime_api.h> (for cudaStream_t): only that header is
# needed, no CUDA library: every CUDA call goes through native/cuda/driver_api.h at run time.
set(CUDA_INCLUDE_DIR "$ENV{CUDA_INCLUDE_DIR}" CACHE PATH "Folder holding cuda_runtime_api.h")
# YOLOE_CUDA_RUNTIME_API_DIR: set by the CUDA part when it provides a stand-in header.
find_path(YOLOE_CUDA_RUNTIME_INCLUDE cuda_runtime_api.h
  HINTS ${CUDA_INCLUDE_DIR} ${YOLOE_CUDA_RUNTIME_API_DIR} $ENV{CUDA_HOME}/include $ENV{CUDA_PATH}/include ${CUDAToolkit_INCLUDE_DIRS}
  PATHS /usr/local/cuda/include /usr/include
  NO_CACHE)
if(YOLOE_TENSORRT_INCLUDE AND EXISTS ${YOLOE_TENSORRT_INCLUDE}/NvOnnxParser.h)
  file(READ ${YOLOE_TENSORRT_INCLUDE}/NvInferVersion.h _yoloe_trt_version_h)
  # 10.3 defines NV_TENSORRT_MAJOR directly; later headers through TRT_MAJOR_ENTERPRISE.
  string(REGEX MATCH "#define NV_TENSORRT_MAJOR ([0-9]+)" _m "${_yoloe_trt_version_h}")
  set(YOLOE_TENSORRT_MAJOR ${CMAKE_MATCH_1})
  if(NOT YOLOE_TENSORRT_MAJOR)
    string(REGEX MATCH "#define TRT_MAJOR_ENTERPRISE ([0-9]+)" _m "${_yoloe_trt_version_h}")
    set(YOLOE_TENSORRT_MAJOR ${CMAKE_MATCH_1})
  endif()
  if(NOT YOLOE_TENSORRT_MAJOR OR YOLOE_TENSORRT_MAJOR LESS 10)
    set(_yoloe_trt_missing "TensorRT headers in ${YOLOE_TENSORRT_INCLUDE} are older than 10 (major '${YOLOE_TENSORRT_MAJOR}')")
  elseif(NOT YOLOE_CUDA_RUNTIME_INCLUDE)
    set(_yoloe_trt_missing "TensorRT headers found but not cuda_runtime_api.h (set CUDA_INCLUDE_DIR or CUDA_HOME)")
  else()
    set(_yoloe_trt_ok TRUE)
  endif()
elseif(YOLOE_TENSORRT_INCLUDE)
  set(_yoloe_trt_missing "NvInfer.h found in ${YOLOE_TENSORRT_INCLUDE} but not NvOnnxParser.h (set TENSORRT_INCLUDE_DIR)")
else()
  set(_yoloe_trt_missing "TensorRT headers not found (set TENSORRT_INCLUDE_DIR)")
endif()

# Release prebuilds and CI must not quietly ship an addon without the TensorRT backend.
option(YOLOE_REQUIRE_TENSORRT "Fail the configure step when the TensorRT backend cannot be compiled" OFF)
if(NOT _yoloe_trt_ok)
  if(YOLOE_REQUIRE_TENSORRT OR "$ENV{YOLOE_REQUIRE_TENSORRT}" STREQUAL "1")
    message(FATAL_ERROR "yoloe-trt: ${_yoloe_trt_missing}, and YOLOE_REQUIRE_TENSORRT is set")
  endif()
  message(STATUS "yoloe-trt: ${_yoloe_trt_missing}: building without the TensorRT backend")
endif()

if(_yoloe_trt_ok)
  target_sources(yoloe_trt PRIVATE
    ${_yoloe_trt_dir}/loader.cpp
    ${_yoloe_trt_dir}/logger.cpp
    ${_yoloe_trt_dir}/progress_monitor.cpp
    ${_yoloe_trt_dir}/calibrator.cpp
    ${_yoloe_trt_dir}/builder.cpp
    ${_yoloe_trt_dir}/precision_pins.cpp
    ${_yoloe_trt_dir}/cuda_context.cpp
    ${_yoloe_trt_dir}/gpu_info.cpp
    ${_yoloe_trt_dir}/device_memory.cpp
    ${_yoloe_trt_dir}/tensor_types.cpp
    ${_yoloe_trt_dir}/gpu_preprocess.cpp
    ${_yoloe_trt_dir}/gpu_compact.cpp
    ${_yoloe_trt_dir}/runtime.cpp)
  # The one CUDA driver table (native/cuda owns it); added here unless the CUDA part already
  # compiles it (into the addon or into yoloe_cuda, which the addon links).
  get_target_property(_yoloe_addon_sources yoloe_trt SOURCES)
  set(_yoloe_cuda_sources "")
  if(TARGET yoloe_cuda)
    get_target_property(_yoloe_cuda_sources yoloe_cuda SOURCES)
  endif()
  if(NOT "${_yoloe_addon_sources};${_yoloe_cuda_sources}" MATCHES "driver_api\\.cpp")
    target_sources(yoloe_trt PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/native/cuda/driver_api.cpp)
  endif()
  target_include_directories(yoloe_trt SYSTEM PRIVATE ${YOLOE_TENSORRT_INCLUDE} ${YOLOE_CUDA_RUNTIME_INCLUDE})
  target_compile_definitions(yoloe_trt PRIVATE YOLOE_WITH_TENSORRT=1 YOLOE_TENSORRT_HEADER_MAJOR=${YOLOE_TENSORRT_MAJOR})
  if(NOT MSVC)
    target_compile_options(yoloe_trt PRIVATE -Wall -Wextra)
  endif()
  message(STATUS "yoloe-trt: TensorRT ${YOLOE_TENSORRT_MAJOR}.x headers in ${YOLOE_TENSORRT_INCLUDE}: TensorRT backend compiled in (libnvinfer.so.${YOLOE_TENSORRT_MAJOR} is loaded at run time)")
endif()
