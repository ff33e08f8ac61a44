#include "ops/elementwise/gelu.h"

#include <cmath>
#include <type_traits>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"
#include "ops/kernels/vector_math.h"

namespace cgrad {
namespace {

// Φ(x) = erfc(-x/√2) / 2, the standard normal distribution; float uses the vectorizable
// erfc and exp of ops/kernels/vector_math.h, double libm's.
template <class T>
T normal_cdf(T x) {
  const T minus_x_over_sqrt2 = x * static_cast<T>(-0.70710678118654752440);
  if constexpr (std::is_same_v<T, float>) return 0.5f * detail::erfc_float(minus_x_over_sqrt2);
  else return T{0.5} * std::erfc(minus_x_over_sqrt2);
}

// φ(x), the standard normal density.
template <class T>
T normal_pdf(T x) {
  const T e = T{-0.5} * x * x;
  if constexpr (std::is_same_v<T, float>) return 0.39894228040143267794f * detail::exp_nonpositive(e);
  else return static_cast<T>(0.39894228040143267794) * std::exp(e);
}

struct GeluRule {
  static constexpr std::string_view name = "GELU";
  template <class T>
  static T forward(T x, const OpParams&) {
    return x * normal_cdf(x);
  }
  // Φ(x) + x φ(x).
  template <class T>
  static T grad(T x, T, T dy, const OpParams&) {
    return dy * (normal_cdf(x) + x * normal_pdf(x));
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& gelu_op() {
  return detail::unary_op_info<T, GeluRule>();
}

template <Real T>
Var<T> gelu(Var<T> x, std::source_location where) {
  return detail::record_unary<T, GeluRule>(x, where);
}

template Var<float> gelu(Var<float>, std::source_location);
template Var<double> gelu(Var<double>, std::source_location);
template const OpInfo<float>& gelu_op();
template const OpInfo<double>& gelu_op();

}  // namespace cgrad
