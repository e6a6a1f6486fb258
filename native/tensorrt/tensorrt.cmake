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
    message(STATUS "TensorRT headers in ${YOLOE_TENSORRT_INCLUDE} are older than 10 (major '${YOLOE_TENSORRT_MAJOR}'): building without the TensorRT backend")
  else()
    if(NOT TARGET CUDA::cudart_static)
      find_package(CUDAToolkit QUIET)
    endif()
    if(TARGET CUDA::cudart_static)
      set(_yoloe_trt_ok TRUE)
    else()
      message(STATUS "TensorRT headers found but not the CUDA toolkit (cuda_runtime_api.h, cudart): building without the TensorRT backend")
    endif()
  endif()
elseif(YOLOE_TENSORRT_INCLUDE)
  message(STATUS "NvInfer.h found in ${YOLOE_TENSORRT_INCLUDE} but not NvOnnxParser.h: building without the TensorRT backend (set TENSORRT_INCLUDE_DIR)")
else()
  message(STATUS "TensorRT headers not found: building without the TensorRT backend (set TENSORRT_INCLUDE_DIR)")
endif()

if(_yoloe_trt_ok)
  target_sources(yoloe_trt PRIVATE
    ${_yoloe_trt_dir}/loader.cpp
    ${_yoloe_trt_dir}/logger.cpp
    ${_yoloe_trt_dir}/progress_monitor.cpp
    ${_yoloe_trt_dir}/calibrator.cpp
    ${_yoloe_trt_dir}/builder.cpp
    ${_yoloe_trt_dir}/gpu_info.cpp
    ${_yoloe_trt_dir}/device_memory.cpp
    ${_yoloe_trt_dir}/tensor_types.cpp
    ${_yoloe_trt_dir}/gpu_preprocess.cpp
    ${_yoloe_trt_dir}/runtime.cpp)
  target_include_directories(yoloe_trt SYSTEM PRIVATE ${YOLOE_TENSORRT_INCLUDE})
  target_compile_definitions(yoloe_trt PRIVATE YOLOE_WITH_TENSORRT=1 YOLOE_TENSORRT_HEADER_MAJOR=${YOLOE_TENSORRT_MAJOR})
  # cudart is static (yoloe_cuda does the same): the addon needs only the driver at run time.
  target_link_libraries(yoloe_trt PRIVATE CUDA::cudart_static)
  message(STATUS "yoloe-trt: TensorRT ${YOLOE_TENSORRT_MAJOR}.x headers in ${YOLOE_TENSORRT_INCLUDE}: TensorRT backend compiled in (libnvinfer.so.${YOLOE_TENSORRT_MAJOR} is loaded at run time)")
endif()
