#include "ops/elementwise/sqrt.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

struct SqrtRule {
  static constexpr std::string_view name = "Sqrt";
  template <class T>
  static T forward(T x, const OpParams&) {
    return std::sqrt(x);
  }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) {
    return dy / (T{2} * y);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& sqrt_op() {
  return detail::unary_op_info<T, SqrtRule>();
}

template <Real T>
Var<T> sqrt(Var<T> x, std::source_location where) {
  return detail::record_unary<T, SqrtRule>(x, where);
}

template Var<float> sqrt(Var<float>, std::source_location);
template Var<double> sqrt(Var<double>, std::source_location);
template const OpInfo<float>& sqrt_op();
template const OpInfo<double>& sqrt_op();

}  // namespace cgrad
