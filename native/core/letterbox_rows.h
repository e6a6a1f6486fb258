// Row kernels of the CPU letterbox (letterbox.cpp): the horizontal pass of one RGB source row
// into three int16 planes (the 11-bit sums >> 4, exactly what the vertical pass of
// letterbox_element.h consumes) and the vertical combine straight into float32 / fp16 CHW
// rows. Portable loops for every target, plus AVX2 versions picked at run time on x86-64 (the
// prebuilds stay baseline x86-64). Both give the same integers as horizontalSample /
// verticalCombine; float32 p / 255.f equals float32(p / 255.0) for every p in 0..255 (checked
// by the tests), and fp16 goes through the same correctly rounded table as before.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "letterbox_element.h"

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#define YOLOE_LETTERBOX_AVX2 1
#include <immintrin.h>
#endif

namespace yoloe {

// Column filter of one resize, laid out for the row kernels.
struct RowTaps {
  std::vector<int32_t> off0, off1;  // byte offsets of the two source pixels (index * 3)
  std::vector<int32_t> w0, w1;      // 11-bit weights
  std::vector<int32_t> pairs;       // w0 | w1 << 16, for a 16-bit multiply-add
  int gatherEnd = 0;                // columns [0, gatherEnd) have i1 == i0 + 1 <= srcW - 1
  // Per block of 4 columns: the first source pixel and the byte shuffle that picks each
  // column's (i0, i1) pair as 16-bit lanes out of the 16 pixels from there; shuffleFits[b] = 0
  // when the block spans more than 16 pixels (downscales beyond ~4.6x).
  std::vector<int32_t> blockBase;
  std::vector<uint8_t> shuffle;
  std::vector<uint8_t> shuffleFits;
  bool allShuffle = false;  // every block fits
};

inline RowTaps rowTaps(const std::vector<LinearTap>& t, int srcW) {
  RowTaps r;
  const size_t n = t.size();
  r.off0.resize(n), r.off1.resize(n), r.w0.resize(n), r.w1.resize(n), r.pairs.resize(n);
  for (size_t i = 0; i < n; i++) {
    r.off0[i] = 3 * t[i].i0;
    r.off1[i] = 3 * t[i].i1;
    r.w0[i] = t[i].w0;
    r.w1[i] = t[i].w1;
    r.pairs[i] = static_cast<int32_t>(static_cast<uint32_t>(t[i].w0) | (static_cast<uint32_t>(t[i].w1) << 16));
    // a 4-byte load at pixel i0 then reaches pixel i0 + 1 and stays inside the row
    if (t[i].i0 <= srcW - 2 && t[i].i1 == t[i].i0 + 1) r.gatherEnd = static_cast<int>(i) + 1;
  }
  const size_t blocks = n / 4;
  r.blockBase.resize(blocks), r.shuffle.assign(16 * blocks, 0x80), r.shuffleFits.resize(blocks);
  for (size_t k = 0; k < blocks; k++) {
    const int base = t[4 * k].i0;
    bool fits = true;
    for (size_t j = 0; j < 4; j++) {
      const LinearTap& c = t[4 * k + j];
      fits = fits && c.i0 >= base && c.i1 >= base && c.i0 - base < 16 && c.i1 - base < 16;
      r.shuffle[16 * k + 4 * j] = static_cast<uint8_t>(c.i0 - base);
      r.shuffle[16 * k + 4 * j + 2] = static_cast<uint8_t>(c.i1 - base);
    }
    r.blockBase[k] = base;
    r.shuffleFits[k] = fits ? 1 : 0;
  }
  r.allShuffle = std::all_of(r.shuffleFits.begin(), r.shuffleFits.end(), [](uint8_t f) { return f != 0; });
  // keep the prefix property: every column before gatherEnd qualifies (taps are monotonic)
  for (int i = 0; i < r.gatherEnd; i++) {
    if (!(t[static_cast<size_t>(i)].i0 <= srcW - 2 && t[static_cast<size_t>(i)].i1 == t[static_cast<size_t>(i)].i0 + 1)) {
      r.gatherEnd = i;
      break;
    }
  }
  return r;
}

struct RowKernels {
  // `planes` is scratch for 3 * (srcW + 16) bytes
  void (*horizontal)(const uint8_t* row, int srcW, const RowTaps& t, uint8_t* planes, int16_t* r, int16_t* g, int16_t* b);
  void (*verticalF32)(const int16_t* a, const int16_t* b, int n, int w0, int w1, float* out);
  void (*verticalF16)(const int16_t* a, const int16_t* b, int n, int w0, int w1, const uint16_t* lut, uint16_t* out);
};

namespace rows_detail {

constexpr float kInv255Hi = 0.00392150879f;   // 1/255 rounded to 12 significant bits
constexpr float kInv255Lo = 5.9838392e-08f;   // float(1/255 - kInv255Hi)

inline void horizontalColumns(const uint8_t* row, const RowTaps& t, int from, int to, int16_t* r, int16_t* g, int16_t* b) {
  for (int x = from; x < to; x++) {
    const uint8_t* p0 = row + t.off0[static_cast<size_t>(x)];
    const uint8_t* p1 = row + t.off1[static_cast<size_t>(x)];
    const int w0 = t.w0[static_cast<size_t>(x)], w1 = t.w1[static_cast<size_t>(x)];
    r[x] = static_cast<int16_t>((p0[0] * w0 + p1[0] * w1) >> 4);
    g[x] = static_cast<int16_t>((p0[1] * w0 + p1[1] * w1) >> 4);
    b[x] = static_cast<int16_t>((p0[2] * w0 + p1[2] * w1) >> 4);
  }
}

inline void horizontalChannel(const uint8_t* row, const RowTaps& t, int c, int from, int to, int16_t* out) {
  for (int x = from; x < to; x++) {
    out[x] = static_cast<int16_t>((row[t.off0[static_cast<size_t>(x)] + c] * t.w0[static_cast<size_t>(x)] +
                                   row[t.off1[static_cast<size_t>(x)] + c] * t.w1[static_cast<size_t>(x)]) >> 4);
  }
}

inline void horizontalPortable(const uint8_t* row, int, const RowTaps& t, uint8_t*, int16_t* r, int16_t* g, int16_t* b) {
  horizontalColumns(row, t, 0, static_cast<int>(t.off0.size()), r, g, b);
}

// verticalCombine on the pre-shifted sums; a value 0..255
__attribute__((always_inline)) inline int vertical(int a, int b, int w0, int w1) {
  const int v = (((w0 * a) >> 16) + ((w1 * b) >> 16) + 2) >> 2;
  return v < 0 ? 0 : (v > 255 ? 255 : v);
}

inline void verticalF32Portable(const int16_t* a, const int16_t* b, int n, int w0, int w1, float* out) {
  for (int x = 0; x < n; x++) out[x] = static_cast<float>(vertical(a[x], b[x], w0, w1)) / 255.f;
}

inline void verticalF16Portable(const int16_t* a, const int16_t* b, int n, int w0, int w1, const uint16_t* lut, uint16_t* out) {
  for (int x = 0; x < n; x++) out[x] = lut[vertical(a[x], b[x], w0, w1)];
}

#if defined(YOLOE_LETTERBOX_AVX2)
// RGB RGB ... -> RRR.., GGG.., BBB.. (16 pixels per step, tail scalar); planes srcW + 16 apart.
__attribute__((target("avx2"))) inline void deinterleaveRgb(const uint8_t* row, int srcW, uint8_t* planes) {
  const size_t pitch = static_cast<size_t>(srcW) + 16;
  uint8_t* out[3] = {planes, planes + pitch, planes + 2 * pitch};
  // for channel c, which bytes of the 3 loaded vectors hold pixels 0..15 (-1 = none)
  alignas(16) static const int8_t masks[3][3][16] = {
      {{0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13}},
      {{1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14}},
      {{2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15}}};
  __m128i m[3][3];
  for (int c = 0; c < 3; c++)
    for (int k = 0; k < 3; k++) m[c][k] = _mm_load_si128(reinterpret_cast<const __m128i*>(masks[c][k]));
  int x = 0;
  for (; x + 16 <= srcW; x += 16) {
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 3 * x));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 3 * x + 16));
    const __m128i d = _mm_loadu_si128(reinterpret_cast<const __m128i*>(row + 3 * x + 32));
    for (int c = 0; c < 3; c++) {
      const __m128i v = _mm_or_si128(_mm_or_si128(_mm_shuffle_epi8(a, m[c][0]), _mm_shuffle_epi8(b, m[c][1])), _mm_shuffle_epi8(d, m[c][2]));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(out[c] + x), v);
    }
  }
  for (; x < srcW; x++)
    for (int c = 0; c < 3; c++) out[c][x] = row[3 * x + c];
}

// Eight columns of one channel from a gather: the 4 bytes at pixel i0 hold channel c of pixels
// i0 (byte 0) and i0 + 1 (byte 3). For blocks the shuffle cannot reach (large downscales).
__attribute__((target("avx2"))) inline __m256i gatherSums(const uint8_t* row, int c, const RowTaps& t, int x) {
  const __m256i idx = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.off0.data() + x));
  const __m256i v = _mm256_i32gather_epi32(reinterpret_cast<const int*>(row + c), idx, 1);
  const __m256i pair = _mm256_or_si256(_mm256_and_si256(v, _mm256_set1_epi32(0xff)), _mm256_slli_epi32(_mm256_srli_epi32(v, 24), 16));
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.pairs.data() + x));
  return _mm256_srli_epi32(_mm256_madd_epi16(pair, w), 4);
}

// Eight columns of one channel plane: two blocks of 4, each a 16-pixel load and a byte shuffle
// into (p0, p1) 16-bit pairs, then one 16-bit multiply-add applies both weights.
__attribute__((target("avx2"))) inline __m256i shuffleSums(const uint8_t* plane, const RowTaps& t, int x) {
  const size_t k = static_cast<size_t>(x) / 4;
  const __m128i lo = _mm_loadu_si128(reinterpret_cast<const __m128i*>(plane + t.blockBase[k]));
  const __m128i hi = _mm_loadu_si128(reinterpret_cast<const __m128i*>(plane + t.blockBase[k + 1]));
  const __m256i px = _mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1);
  const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.shuffle.data() + 16 * k));
  const __m256i w = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.pairs.data() + x));
  return _mm256_srli_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(px, mask), w), 4);
}

__attribute__((target("avx2"))) inline void horizontalAvx2(const uint8_t* row, int srcW, const RowTaps& t, uint8_t* planes, int16_t* r,
                                                           int16_t* g, int16_t* b) {
  const int n = static_cast<int>(t.off0.size());
  const int end = n & ~15;
  const size_t pitch = static_cast<size_t>(srcW) + 16;
  deinterleaveRgb(row, srcW, planes);
  int16_t* out[3] = {r, g, b};
  if (t.allShuffle) {
    // 16 columns per step; the block bases, shuffles and weights serve all three planes
    for (int x = 0; x < end; x += 16) {
      const size_t k = static_cast<size_t>(x) / 4;
      const int32_t* base = t.blockBase.data() + k;
      const __m256i m0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.shuffle.data() + 16 * k));
      const __m256i m1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.shuffle.data() + 16 * k + 32));
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.pairs.data() + x));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(t.pairs.data() + x + 8));
      for (int c = 0; c < 3; c++) {
        const uint8_t* plane = planes + static_cast<size_t>(c) * pitch;
        const __m256i p0 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(plane + base[1]), reinterpret_cast<const __m128i*>(plane + base[0]));
        const __m256i p1 = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(plane + base[3]), reinterpret_cast<const __m128i*>(plane + base[2]));
        const __m256i s0 = _mm256_srli_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(p0, m0), w0), 4);
        const __m256i s1 = _mm256_srli_epi32(_mm256_madd_epi16(_mm256_shuffle_epi8(p1, m1), w1), 4);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[c] + x), _mm256_permute4x64_epi64(_mm256_packs_epi32(s0, s1), 0xD8));
      }
    }
    horizontalColumns(row, t, end, n, r, g, b);
    return;
  }
  for (int c = 0; c < 3; c++) {
    const uint8_t* plane = planes + static_cast<size_t>(c) * pitch;
    for (int x = 0; x < end; x += 16) {
      __m256i s[2];
      int scalarFrom = -1;  // a group neither a shuffle nor a safe gather reaches
      for (int h = 0; h < 2; h++) {
        const int xh = x + 8 * h;
        const size_t k = static_cast<size_t>(xh) / 4;
        if (t.shuffleFits[k] && t.shuffleFits[k + 1]) {
          s[h] = shuffleSums(plane, t, xh);
        } else if (xh + 8 <= t.gatherEnd) {
          s[h] = gatherSums(row, c, t, xh);
        } else {
          s[h] = _mm256_setzero_si256();
          if (scalarFrom < 0) scalarFrom = xh;
        }
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[c] + x), _mm256_permute4x64_epi64(_mm256_packs_epi32(s[0], s[1]), 0xD8));
      if (scalarFrom >= 0) horizontalChannel(row, t, c, scalarFrom, x + 16, out[c]);
    }
  }
  horizontalColumns(row, t, end, n, r, g, b);
}

// Sixteen values: (w * s) >> 16 is the high half of a 16-bit product (both non-negative).
__attribute__((target("avx2"))) inline __m256i vertical16(const int16_t* a, const int16_t* b, __m256i w0, __m256i w1) {
  const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a));
  const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b));
  const __m256i sum = _mm256_add_epi16(_mm256_add_epi16(_mm256_mulhi_epi16(va, w0), _mm256_mulhi_epi16(vb, w1)), _mm256_set1_epi16(2));
  return _mm256_srai_epi16(sum, 2);  // 0..511 at most; clamped when narrowed
}

// p / 255.f for p = 0..255 without a division: p * hi is exact (hi has 12 significant bits,
// p 8), so the sum rounds once; rowKernels() checks all 256 values against the division.
__attribute__((target("avx2"))) inline __m256 normalise8(__m256i p) {
  const __m256 f = _mm256_cvtepi32_ps(p);
  return _mm256_add_ps(_mm256_mul_ps(f, _mm256_set1_ps(kInv255Hi)), _mm256_mul_ps(f, _mm256_set1_ps(kInv255Lo)));
}

__attribute__((target("avx2"))) inline void verticalF32Avx2(const int16_t* a, const int16_t* b, int n, int w0, int w1, float* out) {
  const __m256i vw0 = _mm256_set1_epi16(static_cast<int16_t>(w0)), vw1 = _mm256_set1_epi16(static_cast<int16_t>(w1));
  const __m256i hi = _mm256_set1_epi16(255);
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const __m256i v = _mm256_min_epi16(vertical16(a + x, b + x, vw0, vw1), hi);
    _mm256_storeu_ps(out + x, normalise8(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(v))));
    _mm256_storeu_ps(out + x + 8, normalise8(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1))));
  }
  verticalF32Portable(a + x, b + x, n - x, w0, w1, out + x);
}

// fp16 of p / 255 is the round-to-nearest-even fp16 of the float32 p / 255.f (checked for all
// 256 values by rowKernels(), as the correctly rounded table is the reference).
__attribute__((target("avx2,f16c"))) inline __m128i halfOf8(__m256i p) {
  return _mm256_cvtps_ph(normalise8(p), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}

__attribute__((target("avx2,f16c"))) inline void verticalF16Avx2(const int16_t* a, const int16_t* b, int n, int w0, int w1, const uint16_t* lut,
                                                                 uint16_t* out) {
  const __m256i vw0 = _mm256_set1_epi16(static_cast<int16_t>(w0)), vw1 = _mm256_set1_epi16(static_cast<int16_t>(w1));
  const __m256i hi = _mm256_set1_epi16(255);
  int x = 0;
  for (; x + 16 <= n; x += 16) {
    const __m256i v = _mm256_min_epi16(vertical16(a + x, b + x, vw0, vw1), hi);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x), halfOf8(_mm256_cvtepi16_epi32(_mm256_castsi256_si128(v))));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + x + 8), halfOf8(_mm256_cvtepi16_epi32(_mm256_extracti128_si256(v, 1))));
  }
  verticalF16Portable(a + x, b + x, n - x, w0, w1, lut, out + x);
}

// Whether the AVX2 conversions give the reference bits for every 0..255.
__attribute__((target("avx2"))) inline bool floatConversionExact() {
  for (int p = 0; p < 256; p += 8) {
    alignas(32) float f[8];
    _mm256_store_ps(f, normalise8(_mm256_add_epi32(_mm256_set1_epi32(p), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))));
    for (int i = 0; i < 8; i++)
      if (f[i] != static_cast<float>(p + i) / 255.f) return false;
  }
  return true;
}

__attribute__((target("avx2,f16c"))) inline bool halfConversionExact(const uint16_t* halfLut) {
  for (int p = 0; p < 256; p += 8) {
    alignas(16) uint16_t h[8];
    _mm_store_si128(reinterpret_cast<__m128i*>(h), halfOf8(_mm256_add_epi32(_mm256_set1_epi32(p), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))));
    for (int i = 0; i < 8; i++)
      if (h[i] != halfLut[p + i]) return false;
  }
  return true;
}
#endif

}  // namespace rows_detail

// The kernels for this CPU; `halfLut` is the correctly rounded fp16 table of p / 255.
inline RowKernels selectRowKernels(const uint16_t* halfLut) {
  RowKernels r{rows_detail::horizontalPortable, rows_detail::verticalF32Portable, rows_detail::verticalF16Portable};
#if defined(YOLOE_LETTERBOX_AVX2)
  if (__builtin_cpu_supports("avx2")) {
    r.horizontal = rows_detail::horizontalAvx2;
    if (rows_detail::floatConversionExact()) {
      r.verticalF32 = rows_detail::verticalF32Avx2;
      if (__builtin_cpu_supports("f16c") && rows_detail::halfConversionExact(halfLut)) r.verticalF16 = rows_detail::verticalF16Avx2;
    }
  }
#else
  (void)halfLut;
#endif
  return r;
}

}  // namespace yoloe
