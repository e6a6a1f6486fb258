// Row loops of the CPU mask assembly (masks.cpp), written so the compiler vectorises them
// (no branches, unit stride) while keeping the float32 / double operations of
// masks_element.h one for one: no fused multiply-add (the core is built with
// -ffp-contract=off), same operand order. On x86-64 the vectorisable loops are also compiled
// for AVX2 and picked at run time (the prebuilds target baseline x86-64).
#pragma once

#include <cstdint>

#include "masks_element.h"

#if defined(__GNUC__) || defined(__clang__)
#define YOLOE_MASKS_INLINE __attribute__((always_inline)) inline
#else
#define YOLOE_MASKS_INLINE inline
#endif
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define YOLOE_MASKS_AVX2 1
#endif

namespace yoloe {

namespace masks_detail {

// acc[c] += ck * protos[c] in double, one row of proto cells.
YOLOE_MASKS_INLINE void accumulateRowBody(double* acc, double ck, const float* protoRow, int n) {
  for (int c = 0; c < n; c++) acc[c] += ck * static_cast<double>(protoRow[c]);
}

// 1 where lerp32(a, b) > threshold, one output row.
YOLOE_MASKS_INLINE void rowPassBody(const float* a, const float* b, float w0, float w1, int n, float threshold, uint8_t* out) {
  for (int x = 0; x < n; x++) out[x] = lerp32(a[x], b[x], w0, w1) > threshold ? 1 : 0;
}

inline void accumulateRowPortable(double* acc, double ck, const float* protoRow, int n) { accumulateRowBody(acc, ck, protoRow, n); }
inline void rowPassPortable(const float* a, const float* b, float w0, float w1, int n, float threshold, uint8_t* out) {
  rowPassBody(a, b, w0, w1, n, threshold, out);
}

#if defined(YOLOE_MASKS_AVX2)
__attribute__((target("avx2"))) inline void accumulateRowAvx2(double* acc, double ck, const float* protoRow, int n) {
  accumulateRowBody(acc, ck, protoRow, n);
}
__attribute__((target("avx2"))) inline void rowPassAvx2(const float* a, const float* b, float w0, float w1, int n, float threshold, uint8_t* out) {
  rowPassBody(a, b, w0, w1, n, threshold, out);
}
inline bool haveAvx2() {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#endif

}  // namespace masks_detail

inline void accumulateRow(double* acc, double ck, const float* protoRow, int n) {
#if defined(YOLOE_MASKS_AVX2)
  if (masks_detail::haveAvx2()) return masks_detail::accumulateRowAvx2(acc, ck, protoRow, n);
#endif
  masks_detail::accumulateRowPortable(acc, ck, protoRow, n);
}

inline void rowPass(const float* a, const float* b, float w0, float w1, int n, float threshold, uint8_t* out) {
#if defined(YOLOE_MASKS_AVX2)
  if (masks_detail::haveAvx2()) return masks_detail::rowPassAvx2(a, b, w0, w1, n, threshold, out);
#endif
  masks_detail::rowPassPortable(a, b, w0, w1, n, threshold, out);
}

// The column pass of one source row: lerp32 of the two taps (indices into `row`).
inline void columnPass(const float* row, const int32_t* i0, const int32_t* i1, const float* w0, const float* w1, int n, float* out) {
  for (int x = 0; x < n; x++) out[x] = lerp32(row[i0[x]], row[i1[x]], w0[x], w1[x]);
}

}  // namespace yoloe
