#include "ops/elementwise/scale.h"

#include <cmath>

#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// The factor is kept in double (OpParams) and rounded to T where it is used.
struct ScaleRule {
  static constexpr std::string_view name = "Scale";
  template <class T>
  static T forward(T x, const OpParams& p) { return static_cast<T>(p.reals[0]) * x; }
  template <class T>
  static T grad(T, T, T dy, const OpParams& p) { return static_cast<T>(p.reals[0]) * dy; }
};

}  // namespace

template <Real T>
const OpInfo<T>& scale_op() {
  return detail::unary_op_info<T, ScaleRule>();
}

template <Real T>
Var<T> scale(Var<T> x, std::type_identity_t<T> factor, std::source_location where) {
  if (!std::isfinite(factor)) throw ValueError(fmt::format("Scale: the factor must be finite, got {}", factor));
  OpParams params;
  params.reals[0] = factor;
  return detail::record_unary<T, ScaleRule>(x, where, params);
}

template Var<float> scale(Var<float>, float, std::source_location);
template Var<double> scale(Var<double>, double, std::source_location);
template const OpInfo<float>& scale_op();
template const OpInfo<double>& scale_op();

}  // namespace cgrad
