#pragma once
// Scalar math shared by several elementwise ops: the overflow-free logistic function
// (Sigmoid, Softplus's gradient), NaN-propagating maximum and minimum (Maximum, Minimum)
// and the check of a real argument (a slope, an exponent, a bound).
//
// NaN and comparisons: every comparison with a NaN is false, so a plain `a < b ? b : a`
// returns a or b depending on which side the NaN is. These functions test for NaN
// explicitly where a comparison alone would drop it, as LibTorch's maximum and minimum do.
#include <fmt/format.h>

#include <cmath>
#include <string_view>

#include "graph/error.h"
#include "ops/kernels/vector_math.h"

namespace cgrad::detail {

// 1 / (1 + exp(-x)) without overflow: with e = exp(-|x|) in (0, 1], 1 / (1 + e) for x >= 0
// and e / (1 + e) below, one rounded division either way. A NaN gives NaN. Always inlined:
// a call left in a loop keeps that loop scalar (GCC declined to inline it into LstmCell's
// gate loop; the cell's step took 2.07 ms instead of 1.48, benchmarks/RESULTS.md).
template <class T>
[[gnu::always_inline]] inline T stable_sigmoid(T x) {
  const T e = exp_nonpositive(x < T{0} ? x : -x);  // vectorizes, unlike std::exp
  return (x < T{0} ? e : T{1}) / (T{1} + e);
}

// log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|)). A NaN gives NaN.
template <class T>
T stable_softplus(T x) {
  return (x < T{0} ? T{0} : x) + std::log1p(std::exp(-std::abs(x)));
}

// max(a, b) and min(a, b) that return NaN when either operand is NaN (a + b is NaN then).
template <class T>
T nan_max(T a, T b) {
  return (a != a || b != b) ? a + b : (a < b ? b : a);
}
template <class T>
T nan_min(T a, T b) {
  return (a != a || b != b) ? a + b : (b < a ? b : a);
}

// The gradient share of the larger operand a of max(a, b): all of dy where a wins, none
// where it loses, half at a tie (LibTorch's choice, which is also what central
// differences give), and NaN where either operand is NaN (y is NaN there).
template <class T>
T max_share(T a, T b, T y, T dy) {
  return a > b ? dy : (a < b ? T{0} : (a == b ? T{0.5} * dy : y));
}

// The same for min(a, b): a's share where a is the smaller.
template <class T>
T min_share(T a, T b, T y, T dy) {
  return a < b ? dy : (a > b ? T{0} : (a == b ? T{0.5} * dy : y));
}

// An op's real argument that must be finite: ValueError naming the op otherwise.
inline void require_finite(std::string_view op, std::string_view what, double value) {
  if (!std::isfinite(value)) throw ValueError(fmt::format("{}: {} must be finite, got {}", op, what, value));
}

}  // namespace cgrad::detail
