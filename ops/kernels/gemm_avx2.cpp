// AVX2 + FMA kernels, for x86 CPUs without AVX-512. Same structure as gemm_avx512.cpp.
#include <immintrin.h>

#include <cstddef>

#include "ops/kernels/gemm_kernel_set.h"

#pragma GCC push_options
// tune=generic for the same reason as in gemm_avx512.cpp.
#pragma GCC target("avx2,fma,tune=generic")

#include "ops/kernels/gemm_tiles.h"

namespace {

// All-ones in the first n 32-bit (or 64-bit) lanes, for maskload/maskstore.
__m256i first_lanes32(int n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}
__m256i first_lanes64(int n) {
  return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3));
}

struct Avx2Float {
  using T = float;
  using Reg = __m256;
  static constexpr int lanes = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg load(const T* p) { return _mm256_loadu_ps(p); }
  static Reg load_part(const T* p, int n) { return _mm256_maskload_ps(p, first_lanes32(n)); }
  static void store(T* p, Reg v) { _mm256_storeu_ps(p, v); }
  static void store_part(T* p, Reg v, int n) { _mm256_maskstore_ps(p, first_lanes32(n), v); }
  static Reg bcast(T x) { return _mm256_set1_ps(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  // max returns its second operand when either is NaN or both are zero: a NaN and -0 stay.
  static Reg relu(Reg a) { return _mm256_max_ps(zero(), a); }
  // rows[r] lane c -> rows[c] lane r, 8 x 8: rows interleaved in pairs, 4 x 4 blocks
  // transposed within each 128-bit half, then the halves swapped across the two groups.
  static void transpose(Reg (&rows)[lanes]) {
    Reg pairs[lanes], quads[lanes];
    for (int i = 0; i < lanes; i += 2) {
      pairs[i] = _mm256_unpacklo_ps(rows[i], rows[i + 1]);
      pairs[i + 1] = _mm256_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // quads[4g + j], half k: rows 4g .. 4g + 3 at column 4k + j.
    for (int g = 0; g < lanes; g += 4) {
      quads[g] = _mm256_shuffle_ps(pairs[g], pairs[g + 2], 0x44);
      quads[g + 1] = _mm256_shuffle_ps(pairs[g], pairs[g + 2], 0xEE);
      quads[g + 2] = _mm256_shuffle_ps(pairs[g + 1], pairs[g + 3], 0x44);
      quads[g + 3] = _mm256_shuffle_ps(pairs[g + 1], pairs[g + 3], 0xEE);
    }
    for (int j = 0; j < 4; ++j) {
      rows[j] = _mm256_permute2f128_ps(quads[j], quads[4 + j], 0x20);
      rows[4 + j] = _mm256_permute2f128_ps(quads[j], quads[4 + j], 0x31);
    }
  }
  static T sum(Reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
};

struct Avx2Double {
  using T = double;
  using Reg = __m256d;
  static constexpr int lanes = 4;
  static Reg zero() { return _mm256_setzero_pd(); }
  static Reg load(const T* p) { return _mm256_loadu_pd(p); }
  static Reg load_part(const T* p, int n) { return _mm256_maskload_pd(p, first_lanes64(n)); }
  static void store(T* p, Reg v) { _mm256_storeu_pd(p, v); }
  static void store_part(T* p, Reg v, int n) { _mm256_maskstore_pd(p, first_lanes64(n), v); }
  static Reg bcast(T x) { return _mm256_set1_pd(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm256_fmadd_pd(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm256_add_pd(a, b); }
  static Reg relu(Reg a) { return _mm256_max_pd(zero(), a); }  // as Avx2Float::relu
  // rows[r] lane c -> rows[c] lane r, 4 x 4: rows interleaved in pairs, then the 128-bit
  // halves across the two pairs.
  static void transpose(Reg (&rows)[lanes]) {
    const Reg even01 = _mm256_unpacklo_pd(rows[0], rows[1]), odd01 = _mm256_unpackhi_pd(rows[0], rows[1]);
    const Reg even23 = _mm256_unpacklo_pd(rows[2], rows[3]), odd23 = _mm256_unpackhi_pd(rows[2], rows[3]);
    rows[0] = _mm256_permute2f128_pd(even01, even23, 0x20);
    rows[1] = _mm256_permute2f128_pd(odd01, odd23, 0x20);
    rows[2] = _mm256_permute2f128_pd(even01, even23, 0x31);
    rows[3] = _mm256_permute2f128_pd(odd01, odd23, 0x31);
  }
  static T sum(Reg v) {
    __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

}  // namespace

#pragma GCC pop_options

namespace cgrad::detail {

// 6 rows x 2 vectors: 12 accumulators, 2 loads of B and one broadcast in 16 registers.
template <>
const GemmKernelSet<float>& avx2_gemm_kernels<float>() {
  static const auto set = make_gemm_kernel_set<Avx2Float, 6, 2>(GemmIsa::avx2);
  return set;
}

template <>
const GemmKernelSet<double>& avx2_gemm_kernels<double>() {
  static const auto set = make_gemm_kernel_set<Avx2Double, 6, 2>(GemmIsa::avx2);
  return set;
}

}  // namespace cgrad::detail
