#include "ops/elementwise/pow_scalar.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// reals[0] is the exponent.
struct PowScalarRule {
  static constexpr std::string_view name = "PowScalar";
  template <class T>
  static T forward(T x, const OpParams& p) {
    return std::pow(x, static_cast<T>(p.reals[0]));
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams& p) {
    const T e = static_cast<T>(p.reals[0]);
    return e == T{0} ? T{0} : dy * e * std::pow(x, e - T{1});
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& pow_scalar_op() {
  return detail::unary_op_info<T, PowScalarRule>();
}

template <Real T>
Var<T> pow(Var<T> x, std::type_identity_t<T> exponent, std::source_location where) {
  detail::require_finite("PowScalar", "the exponent", exponent);
  OpParams params;
  params.reals[0] = exponent;
  return detail::record_unary<T, PowScalarRule>(x, where, params);
}

template Var<float> pow(Var<float>, float, std::source_location);
template Var<double> pow(Var<double>, double, std::source_location);
template const OpInfo<float>& pow_scalar_op();
template const OpInfo<double>& pow_scalar_op();

}  // namespace cgrad
