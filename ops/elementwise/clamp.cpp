#include "ops/elementwise/clamp.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// reals[0] is min, reals[1] max. A NaN fails both comparisons of the forward and comes out
// as itself; in the backward it fails the range test and the last branch passes it on.
struct ClampRule {
  static constexpr std::string_view name = "Clamp";
  template <class T>
  static T forward(T x, const OpParams& p) {
    const T lo = static_cast<T>(p.reals[0]), hi = static_cast<T>(p.reals[1]);
    return x < lo ? lo : (x > hi ? hi : x);
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams& p) {
    const T lo = static_cast<T>(p.reals[0]), hi = static_cast<T>(p.reals[1]);
    return x >= lo && x <= hi ? dy : (x == x ? T{0} : x);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& clamp_op() {
  return detail::unary_op_info<T, ClampRule>();
}

template <Real T>
Var<T> clamp(Var<T> x, std::type_identity_t<T> min, std::type_identity_t<T> max, std::source_location where) {
  if (std::isnan(min) || std::isnan(max))
    throw ValueError(fmt::format("Clamp: the bounds must not be NaN, got min {} and max {}", min, max));
  if (min > max) throw ValueError(fmt::format("Clamp: min {} is greater than max {}", min, max));
  OpParams params;
  params.reals[0] = min;
  params.reals[1] = max;
  return detail::record_unary<T, ClampRule>(x, where, params);
}

template Var<float> clamp(Var<float>, float, float, std::source_location);
template Var<double> clamp(Var<double>, double, double, std::source_location);
template const OpInfo<float>& clamp_op();
template const OpInfo<double>& clamp_op();

}  // namespace cgrad
