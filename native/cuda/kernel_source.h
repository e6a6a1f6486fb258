// The kernels' CUDA C++ source, assembled at build time (cmake/embed_kernels.cmake) from
// native/cuda/kernels/*.cu and the per-element headers the CPU twins include; NVRTC compiles
// it on the device (kernel_compiler.h).
#pragma once

namespace yoloe {
namespace cuda {

extern const char kKernelSource[];
extern const char kKernelSourceDigest[];  // SHA-256 of kKernelSource, hex

// Entry points of the source (extern "C", so these are their names in the cubin).
enum class KernelId { Letterbox, DecodeF32, DecodeF16, MaskLogits, MaskBinary, MaskOutput, Count };
constexpr const char* kKernelNames[] = {"yoloe_letterbox",   "yoloe_decode_f32",  "yoloe_decode_f16",
                                        "yoloe_mask_logits", "yoloe_mask_binary", "yoloe_mask_output"};
constexpr int kKernelCount = static_cast<int>(KernelId::Count);
static_assert(sizeof(kKernelNames) / sizeof(kKernelNames[0]) == kKernelCount, "one name per kernel");

}  // namespace cuda
}  // namespace yoloe
