// IEEE binary16 <-> float/double as raw bits, round to nearest even, subnormals, inf and NaN
// kept. Integer-only so host and device give the same bits (no reliance on F16C or cuda_fp16).
#pragma once

#include <cstdint>
#include <cstring>

#include "hd.h"

namespace yoloe {

YOLOE_HD uint32_t floatBits(float f) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint32_t>(__float_as_uint(f));
#else
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return u;
#endif
}

YOLOE_HD float bitsToFloat(uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float f;
  std::memcpy(&f, &u, 4);
  return f;
#endif
}

YOLOE_HD uint64_t doubleBits(double d) {
#if defined(__CUDA_ARCH__)
  return static_cast<uint64_t>(__double_as_longlong(d));
#else
  uint64_t u;
  std::memcpy(&u, &d, 8);
  return u;
#endif
}

// Rounds mantissa `m` (with its implicit bit) right by `shift`, ties to even.
YOLOE_HD uint64_t roundShiftEven(uint64_t m, int shift) {
  if (shift <= 0) return m;
  if (shift >= 64) return 0;
  const uint64_t kept = m >> shift;
  const uint64_t rem = m & ((uint64_t(1) << shift) - 1);
  const uint64_t half = uint64_t(1) << (shift - 1);
  return (rem > half || (rem == half && (kept & 1))) ? kept + 1 : kept;
}

// Correctly rounded double -> half (one rounding, no detour through float).
YOLOE_HD uint16_t doubleToHalf(double d) {
  const uint64_t u = doubleBits(d);
  const uint16_t sign = static_cast<uint16_t>((u >> 48) & 0x8000);
  const int exp = static_cast<int>((u >> 52) & 0x7ff);
  const uint64_t mant = u & 0xfffffffffffffULL;
  if (exp == 0x7ff) return sign | (mant ? 0x7e00 : 0x7c00);
  if (exp == 0) return sign;  // double subnormals are far below half's range
  const int e = exp - 1023;   // value = 1.mant * 2^e
  const uint64_t full = mant | (uint64_t(1) << 52);
  if (e >= 16) return sign | 0x7c00;
  if (e < -25) return sign;
  if (e < -14) {
    // subnormal half: units of 2^-24; value / 2^-24 = full * 2^(e - 52 + 24)
    return sign | static_cast<uint16_t>(roundShiftEven(full, 52 - 24 - e));
  }
  // normal: 10 mantissa bits; a carry may round up into the exponent (and on to infinity)
  const uint64_t m = roundShiftEven(full, 42);  // 11 bits incl. the implicit one, maybe 2048
  const uint32_t bits = (static_cast<uint32_t>(e + 15) << 10) + static_cast<uint32_t>(m - 1024);
  return bits >= 0x7c00 ? (sign | 0x7c00) : static_cast<uint16_t>(sign | bits);
}

YOLOE_HD uint16_t floatToHalf(float f) { return doubleToHalf(static_cast<double>(f)); }

YOLOE_HD float halfToFloat(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  if (exp == 0x1f) return bitsToFloat(sign | 0x7f800000u | (mant << 13));
  if (exp != 0) return bitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bitsToFloat(sign);
  // subnormal half -> normal float
  int e = -1;
  do {
    mant <<= 1;
    e++;
  } while ((mant & 0x400) == 0);
  return bitsToFloat(sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ff) << 13));
}

}  // namespace yoloe
