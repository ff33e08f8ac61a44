#include "ops/elementwise/gelu.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

struct GeluRule {
  static constexpr std::string_view name = "GELU";
  template <class T>
  static T forward(T x, const OpParams&) {
    return T{0.5} * x * (T{1} + std::erf(x * static_cast<T>(0.70710678118654752440)));
  }
  // Phi(x) + x * phi(x), phi the standard normal density.
  template <class T>
  static T grad(T x, T, T dy, const OpParams&) {
    const T cdf = T{0.5} * (T{1} + std::erf(x * static_cast<T>(0.70710678118654752440)));
    const T pdf = static_cast<T>(0.39894228040143267794) * std::exp(T{-0.5} * x * x);
    return dy * (cdf + x * pdf);
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
