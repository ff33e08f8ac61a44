#include "ops/elementwise/softplus.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// reals[0] is beta, reals[1] the threshold.
struct SoftplusRule {
  static constexpr std::string_view name = "Softplus";
  template <class T>
  static T forward(T x, const OpParams& p) {
    const T beta = static_cast<T>(p.reals[0]);
    const T z = beta * x;
    return z > static_cast<T>(p.reals[1]) ? x : detail::stable_softplus(z) / beta;
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams& p) {
    const T z = static_cast<T>(p.reals[0]) * x;
    return z > static_cast<T>(p.reals[1]) ? dy : dy * detail::stable_sigmoid(z);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& softplus_op() {
  return detail::unary_op_info<T, SoftplusRule>();
}

template <Real T>
Var<T> softplus(Var<T> x, std::type_identity_t<T> beta, std::type_identity_t<T> threshold, std::source_location where) {
  detail::require_finite("Softplus", "beta", beta);
  if (beta == 0) throw ValueError("Softplus: beta must not be 0");
  if (std::isnan(threshold)) throw ValueError("Softplus: threshold must not be NaN");
  OpParams params;
  params.reals[0] = beta;
  params.reals[1] = threshold;
  return detail::record_unary<T, SoftplusRule>(x, where, params);
}

template Var<float> softplus(Var<float>, float, float, std::source_location);
template Var<double> softplus(Var<double>, double, double, std::source_location);
template const OpInfo<float>& softplus_op();
template const OpInfo<double>& softplus_op();

}  // namespace cgrad
