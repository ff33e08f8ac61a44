#include "ops/elementwise/exp.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"
#include "ops/kernels/vector_math.h"

namespace cgrad {
namespace {

struct ExpRule {
  static constexpr std::string_view name = "Exp";
  template <class T>
  static T forward(T x, const OpParams&) {
    return detail::exp_anywhere(x);  // vectorizes, unlike the libm call
  }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) {
    return dy * y;
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& exp_op() {
  return detail::unary_op_info<T, ExpRule>();
}

template <Real T>
Var<T> exp(Var<T> x, std::source_location where) {
  return detail::record_unary<T, ExpRule>(x, where);
}

template Var<float> exp(Var<float>, std::source_location);
template Var<double> exp(Var<double>, std::source_location);
template const OpInfo<float>& exp_op();
template const OpInfo<double>& exp_op();

}  // namespace cgrad
