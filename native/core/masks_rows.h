// Row loops of the CPU mask assembly (masks.cpp), written so the compiler vectorises them
// (no branches, unit stride) while keeping the float32 / double operations of
// masks_element.h one for one: no fused multiply-add (the core is built with
// -ffp-contract=off), same operand order.
#pragma once

#include <cstdint>

#include "masks_element.h"

namespace yoloe {

// acc[c] += ck * protos[c] in double, one row of proto cells.
inline void accumulateRow(double* acc, double ck, const float* protoRow, int n) {
  for (int c = 0; c < n; c++) acc[c] += ck * static_cast<double>(protoRow[c]);
}

// The column pass of one source row: lerp32 of the two taps (indices into `row`).
inline void columnPass(const float* row, const int32_t* i0, const int32_t* i1, const float* w0, const float* w1, int n, float* out) {
  for (int x = 0; x < n; x++) out[x] = lerp32(row[i0[x]], row[i1[x]], w0[x], w1[x]);
}

// The row pass of one output row, thresholded: 1 where lerp32(a, b) > threshold.
inline void rowPass(const float* a, const float* b, float w0, float w1, int n, float threshold, uint8_t* out) {
  for (int x = 0; x < n; x++) out[x] = lerp32(a[x], b[x], w0, w1) > threshold ? 1 : 0;
}

}  // namespace yoloe
