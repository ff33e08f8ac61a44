#include "ops/elementwise/abs.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// sign(x) written with comparisons that fall through to x itself for a NaN, so the NaN
// reaches the gradient instead of becoming 0.
struct AbsRule {
  static constexpr std::string_view name = "Abs";
  template <class T>
  static T forward(T x, const OpParams&) {
    return std::abs(x);
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams&) {
    return x > T{0} ? dy : (x < T{0} ? -dy : (x == T{0} ? T{0} : x));
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& abs_op() {
  return detail::unary_op_info<T, AbsRule>();
}

template <Real T>
Var<T> abs(Var<T> x, std::source_location where) {
  return detail::record_unary<T, AbsRule>(x, where);
}

template Var<float> abs(Var<float>, std::source_location);
template Var<double> abs(Var<double>, std::source_location);
template const OpInfo<float>& abs_op();
template const OpInfo<double>& abs_op();

}  // namespace cgrad
