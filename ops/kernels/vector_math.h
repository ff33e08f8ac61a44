#pragma once
// Branch-free exp for x <= 0, written so that loops over it vectorize (std::exp is a
// libm call that GCC will not vectorize without -ffast-math). Softmax only ever
// exponentiates x - max(x) <= 0, which is the whole domain needed here.
//
// exp(x) = 2^k * exp(r), k = round(x / ln 2), r = x - k ln 2 (Cody-Waite: ln 2 split into
// a part exact in T and a remainder), |r| <= ln2 / 2; exp(r) by its Taylor polynomial
// (degree 7 for float, 13 for double: truncation below half an ulp), 2^k built from its
// exponent bits. Below the smallest normal result the answer is flushed to 0; NaN stays NaN.
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace cgrad::detail {

// The shared core of both: for x in range, exp(x) = polynomial(r) * 2^k with
// k = round(x / ln 2) and r = x - k ln 2 (Cody-Waite); returns the polynomial, sets k.
template <class T>
inline T exp_core(T x, T& k) {
  constexpr bool single = std::is_same_v<T, float>;
  constexpr T log2e = T(1.4426950408889634);
  constexpr T ln2_hi = single ? T(0.693145751953125) : T(0.6931471803691238);
  constexpr T ln2_lo = single ? T(1.428606765330187e-06) : T(1.9082149292705877e-10);
  // Round to nearest by the add-and-subtract trick (no libm call, vectorizes).
  constexpr T shifter = single ? T(12582912.0) : T(6755399441055744.0);  // 1.5 * 2^mantissa
  k = (x * log2e + shifter) - shifter;
  const T r = (x - k * ln2_hi) - k * ln2_lo;
  T poly;
  if constexpr (single) {
    poly = T(1.0 / 5040);
    poly = poly * r + T(1.0 / 720);
    poly = poly * r + T(1.0 / 120);
    poly = poly * r + T(1.0 / 24);
    poly = poly * r + T(1.0 / 6);
    poly = poly * r + T(0.5);
    poly = poly * r + T(1);
    poly = poly * r + T(1);
  } else {
    constexpr T inverse_factorials[] = {1.0 / 6227020800, 1.0 / 479001600, 1.0 / 39916800, 1.0 / 3628800,
                                        1.0 / 362880,     1.0 / 40320,     1.0 / 5040,     1.0 / 720,
                                        1.0 / 120,        1.0 / 24,        1.0 / 6,        0.5,
                                        1.0,              1.0};
    poly = inverse_factorials[0];
    for (int i = 1; i < 14; ++i) poly = poly * r + inverse_factorials[i];
  }
  return poly;
}

// 2^e for an integer-valued e within the normal exponent range, from its exponent bits.
template <class T>
inline T power_of_two(T e) {
  using Bits = std::conditional_t<std::is_same_v<T, float>, std::int32_t, std::int64_t>;
  constexpr int mantissa_bits = std::is_same_v<T, float> ? 23 : 52;
  constexpr int exponent_bias = std::is_same_v<T, float> ? 127 : 1023;
  return std::bit_cast<T>(static_cast<Bits>((static_cast<Bits>(e) + exponent_bias) << mantissa_bits));
}

template <class T>
inline T exp_nonpositive(T x) {
  constexpr T lowest = std::is_same_v<T, float> ? T(-87.0) : T(-708.0);  // 2^k stays a normal number
  const bool underflow = x < lowest;
  const bool not_a_number = x != x;
  x = x >= lowest ? x : lowest;  // also maps NaN into range: the integer conversion stays defined
  T k;
  const T poly = exp_core(x, k);
  const T result = underflow ? T(0) : poly * power_of_two(k);
  return not_a_number ? std::numeric_limits<T>::quiet_NaN() : result;
}

}  // namespace cgrad::detail

namespace cgrad::detail {

// exp(x) for every x, vectorizable: exp_nonpositive's reduction and polynomial, with 2^k
// applied as two factors so that k up to the largest finite result stays representable.
// Results below the smallest normal number flush to 0; above the largest finite, +inf.
template <class T>
inline T exp_anywhere(T x) {
  constexpr bool single = std::is_same_v<T, float>;
  constexpr T lowest = single ? T(-87.0) : T(-708.0);
  constexpr T highest = single ? T(88.72283) : T(709.782712893384);  // log of the largest finite value
  const bool overflow = x > highest;
  const bool underflow = x < lowest;
  const bool not_a_number = x != x;
  x = x >= lowest ? x : lowest;
  x = x <= highest ? x : highest;
  T k;
  const T poly = exp_core(x, k);
  // 2^k = 2^half * 2^(k - half), each a normal number. half = k/2 rounded by the
  // add-and-subtract trick: std::trunc here kept GCC from vectorizing the loops.
  constexpr T shifter = single ? T(12582912.0) : T(6755399441055744.0);  // 1.5 * 2^mantissa
  const T half = (k * T(0.5) + shifter) - shifter;
  T result = poly * power_of_two(half) * power_of_two(k - half);
  result = underflow ? T(0) : result;
  result = overflow ? std::numeric_limits<T>::infinity() : result;
  return not_a_number ? std::numeric_limits<T>::quiet_NaN() : result;
}

// tanh(x) for float, vectorizable, without exp or a branch: x P(x²) / Q(x²), P of degree
// 6 and Q of degree 3, fitted to tanh(x)/x on |x| <= 9 by scripts/fit_tanh_float.py (fit
// error 6.7e-9 relative); beyond 9, tanh rounds to ±1 in float, and x is clamped there.
// Evaluated without FMA (the library is built with -ffp-contract=off), the worst error
// over every float in [0, 12] is 5.6 ulp of the result (3.4e-7 relative, near x = 7.4);
// the exp-based form it replaces measured 2.8 ulp but took twice as long over 64k floats
// (benchmarks/RESULTS.md, "Affine, the GEMM's bias, ..."; perf had shown the tanh at 10%
// of the chars MLP's step). NaN passes through the clamp. Double keeps std::tanh.
inline float tanh_float(float x) {
  constexpr float kSaturated = 9.0f;
  x = x > kSaturated ? kSaturated : x;
  x = x < -kSaturated ? -kSaturated : x;
  const float t = x * x;
  float p = -8.4887010807081305738e-14f;
  p = p * t + 5.2779315528797332026e-11f;
  p = p * t - 2.0225153030006958415e-8f;
  p = p * t + 1.1154280992182656594e-5f;
  p = p * t + 3.1039530190385031516e-3f;
  p = p * t + 0.130840070777008892f;
  p = p * t + 0.99999999341426808279f;  // 1.0f in float: tanh(x) = x for tiny x
  float q = 2.5461409182468487146e-4f;
  q = q * t + 0.024495165138998766691f;
  q = q * t + 0.46417334185064000603f;
  q = q * t + 1.0f;
  return x * p / q;
}

}  // namespace cgrad::detail

namespace cgrad::detail {

struct ErfcAndGaussian {
  float erfc, gaussian;
};

// erfc(x) as erfc_float, and exp(-x²) from the same evaluation (GELU's slope needs both):
// exp(-z²) = exp(-zh²) · exp(-(z - zh)(z + zh)) reuses erfc's first exp, and the second
// factor's argument is within ±0.042 (|z - zh| <= 1/512, z + zh <= 21), where the
// degree-5 Taylor polynomial is exact to 1e-11 relative. Past |x| = 10.5 (and for NaN)
// the Gaussian is 0, below float's range anyway.
inline ErfcAndGaussian erfc_and_gaussian_float(float x) {
  constexpr float kBeyond = 10.5f;  // erfc(10.5) ≈ 1e-49: below float's range
  const float a = x < 0 ? -x : x;
  const float z = a < kBeyond ? a : kBeyond;
  const float t = 1.0f / (1.0f + 0.5f * z);
  float p = 0.17087277f;
  p = p * t - 0.82215223f;
  p = p * t + 1.48851587f;
  p = p * t - 1.13520398f;
  p = p * t + 0.27886807f;
  p = p * t - 0.18628806f;
  p = p * t + 0.09678418f;
  p = p * t + 0.37409196f;
  p = p * t + 1.00002368f;
  p = p * t - 1.26551223f;
  // zh = z rounded to the 1/256 grid by the add-and-subtract trick (a float-to-int
  // conversion here kept GCC from vectorizing the loop); zh = m/256 with m < 2^12, so zh² is
  // exact.
  constexpr float kShifter = 12582912.0f;  // 1.5 * 2^23
  const float zh = ((z * 256.0f + kShifter) - kShifter) * (1.0f / 256.0f);
  const float delta = (z - zh) * (z + zh);
  const float gaussian_hi = exp_nonpositive(-zh * zh);
  // Both exponents are <= 0 (P(t) is at most 3e-8, at z = 0), the domain of exp_nonpositive.
  const float tail = t * gaussian_hi * exp_nonpositive(p - delta);
  const float result = x < 0 ? 2.0f - tail : tail;
  float small = -1.0f / 120;  // exp(-delta), Taylor
  small = small * delta + 1.0f / 24;
  small = small * delta - 1.0f / 6;
  small = small * delta + 0.5f;
  small = small * delta - 1.0f;
  small = small * delta + 1.0f;
  return {x != x ? x : result, gaussian_hi * small};
}

// erfc(x) for float, vectorizable (perf: libm's erff and expf, called one element at a time
// by GELU, were 13% of a TransformerBlock step at [16,64,128]). The fit of Press et al.'s erfcc (Numerical
// Recipes §6.2): erfc(z) = t exp(-z² + P(t)), t = 1 / (1 + z/2), z = |x|, P a degree-9
// polynomial, fractional error below 1.2e-7 for every z ≥ 0; erfc(-z) = 2 - erfc(z).
// exp(-z²) would lose accuracy to z²'s rounding (relative error about z² ulp), so z is
// split as zh + (z - zh) with zh on a 1/256 grid: zh² is exact in float, and the rest goes
// to a second exp with a small argument. tests/test_vector_math.cpp bounds the error.
inline float erfc_float(float x) { return erfc_and_gaussian_float(x).erfc; }

}  // namespace cgrad::detail
