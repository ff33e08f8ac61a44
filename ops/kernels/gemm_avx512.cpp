// AVX-512 kernels. The target pragma gives these functions AVX-512 code while the rest of
// the library keeps the baseline ISA; they run only when the CPU reports AVX-512.
// GCC 12's AVX-512 headers fill "don't care" lanes from _mm512_undefined_ps(), which its
// own -Wuninitialized then reports at every extract and cast; the lanes are never read.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include <cstddef>

#include "ops/kernels/gemm_kernel_set.h"

#pragma GCC push_options
// tune=generic: with -march=native, g++ 12 tunes for znver3 on this CPU family, which made
// the direct path's kernels 40 % slower; pinning the tuning keeps these loops as measured.
#pragma GCC target("avx512f,avx512bw,avx512dq,avx512vl,fma,tune=generic")

#include "ops/kernels/gemm_tiles.h"

namespace {

__mmask16 first_lanes16(int n) { return static_cast<__mmask16>((1u << n) - 1u); }
__mmask8 first_lanes8(int n) { return static_cast<__mmask8>((1u << n) - 1u); }

// The 4 x 4 transpose of the 128-bit lanes of a, b, c, d (lane k of the g-th register
// becomes lane g of the k-th register of out), from _mm512_shuffle_f32x4 (or f64x2):
// 0x88 takes lanes 0 and 2 of each operand, 0xDD lanes 1 and 3.
#define CGRAD_TRANSPOSE_LANES(SHUFFLE, a, b, c, d, out0, out1, out2, out3) \
  do {                                                                  \
    const auto even_ab = SHUFFLE(a, b, 0x88), odd_ab = SHUFFLE(a, b, 0xDD); \
    const auto even_cd = SHUFFLE(c, d, 0x88), odd_cd = SHUFFLE(c, d, 0xDD); \
    out0 = SHUFFLE(even_ab, even_cd, 0x88);                             \
    out1 = SHUFFLE(odd_ab, odd_cd, 0x88);                               \
    out2 = SHUFFLE(even_ab, even_cd, 0xDD);                             \
    out3 = SHUFFLE(odd_ab, odd_cd, 0xDD);                               \
  } while (false)

struct Avx512Float {
  using T = float;
  using Reg = __m512;
  static constexpr int lanes = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg load(const T* p) { return _mm512_loadu_ps(p); }
  static Reg load_part(const T* p, int n) { return _mm512_maskz_loadu_ps(first_lanes16(n), p); }
  static void store(T* p, Reg v) { _mm512_storeu_ps(p, v); }
  static void store_part(T* p, Reg v, int n) { _mm512_mask_storeu_ps(p, first_lanes16(n), v); }
  static Reg bcast(T x) { return _mm512_set1_ps(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  // max returns its second operand when either is NaN or both are zero: a NaN and -0 stay.
  static Reg relu(Reg a) { return _mm512_max_ps(zero(), a); }
  // rows[r] lane c -> rows[c] lane r, 16 x 16: rows interleaved in pairs, then 4 x 4 blocks
  // transposed within each 128-bit lane, then those lanes across groups of four rows.
  static void transpose(Reg (&rows)[lanes]) {
    Reg pairs[lanes], quads[lanes];
    for (int i = 0; i < lanes; i += 2) {
      pairs[i] = _mm512_unpacklo_ps(rows[i], rows[i + 1]);
      pairs[i + 1] = _mm512_unpackhi_ps(rows[i], rows[i + 1]);
    }
    // quads[4g + j], lane k: rows 4g .. 4g + 3 at column 4k + j.
    for (int g = 0; g < lanes; g += 4) {
      quads[g] = _mm512_shuffle_ps(pairs[g], pairs[g + 2], 0x44);
      quads[g + 1] = _mm512_shuffle_ps(pairs[g], pairs[g + 2], 0xEE);
      quads[g + 2] = _mm512_shuffle_ps(pairs[g + 1], pairs[g + 3], 0x44);
      quads[g + 3] = _mm512_shuffle_ps(pairs[g + 1], pairs[g + 3], 0xEE);
    }
    for (int j = 0; j < 4; ++j) {
      CGRAD_TRANSPOSE_LANES(_mm512_shuffle_f32x4, quads[j], quads[4 + j], quads[8 + j], quads[12 + j], rows[j],
                            rows[4 + j], rows[8 + j], rows[12 + j]);
    }
  }
  static T sum(Reg v) {
    const __m512 folded = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256 h = _mm512_castps512_ps256(folded);
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    return _mm_cvtss_f32(_mm_add_ss(s, _mm_movehdup_ps(s)));
  }
};

struct Avx512Double {
  using T = double;
  using Reg = __m512d;
  static constexpr int lanes = 8;
  static Reg zero() { return _mm512_setzero_pd(); }
  static Reg load(const T* p) { return _mm512_loadu_pd(p); }
  static Reg load_part(const T* p, int n) { return _mm512_maskz_loadu_pd(first_lanes8(n), p); }
  static void store(T* p, Reg v) { _mm512_storeu_pd(p, v); }
  static void store_part(T* p, Reg v, int n) { _mm512_mask_storeu_pd(p, first_lanes8(n), v); }
  static Reg bcast(T x) { return _mm512_set1_pd(x); }
  static Reg fma(Reg a, Reg b, Reg c) { return _mm512_fmadd_pd(a, b, c); }
  static Reg add(Reg a, Reg b) { return _mm512_add_pd(a, b); }
  static Reg relu(Reg a) { return _mm512_max_pd(zero(), a); }  // as Avx512Float::relu
  // rows[r] lane c -> rows[c] lane r, 8 x 8: rows interleaved in pairs, then the 128-bit
  // lanes across the four pairs.
  static void transpose(Reg (&rows)[lanes]) {
    Reg pairs[lanes];  // pairs[2g + j], lane k: rows 2g, 2g + 1 at column 2k + j
    for (int i = 0; i < lanes; i += 2) {
      pairs[i] = _mm512_unpacklo_pd(rows[i], rows[i + 1]);
      pairs[i + 1] = _mm512_unpackhi_pd(rows[i], rows[i + 1]);
    }
    for (int j = 0; j < 2; ++j) {
      CGRAD_TRANSPOSE_LANES(_mm512_shuffle_f64x2, pairs[j], pairs[2 + j], pairs[4 + j], pairs[6 + j], rows[j],
                            rows[2 + j], rows[4 + j], rows[6 + j]);
    }
  }
  static T sum(Reg v) {
    const __m512d folded = _mm512_add_pd(v, _mm512_shuffle_f64x2(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256d h = _mm512_castpd512_pd256(folded);
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

#undef CGRAD_TRANSPOSE_LANES

}  // namespace

#pragma GCC pop_options

namespace cgrad::detail {

// 14 rows x 2 vectors: 28 accumulators, 2 loads of B and one broadcast of A in the 32
// vector registers, and 28 FMAs per 16 loads. The row form's narrow tiles are 8 rows by
// up to 2 vectors: 16 accumulators (8 left two FMA pipes waiting on a 4-cycle latency;
// dW of the [64,16,14,14] -> 32 convolution, a [32,196] x [196,144] product, ran through
// 4 x 2 tiles).
template <>
const GemmKernelSet<float>& avx512_gemm_kernels<float>() {
  static const auto set = make_gemm_kernel_set<Avx512Float, 14, 2, 8>(GemmIsa::avx512);
  return set;
}

template <>
const GemmKernelSet<double>& avx512_gemm_kernels<double>() {
  static const auto set = make_gemm_kernel_set<Avx512Double, 14, 2, 8>(GemmIsa::avx512);
  return set;
}

}  // namespace cgrad::detail
