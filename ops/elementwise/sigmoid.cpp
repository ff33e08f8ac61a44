#include "ops/elementwise/sigmoid.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

struct SigmoidRule {
  static constexpr std::string_view name = "Sigmoid";
  template <class T>
  static T forward(T x, const OpParams&) {
    return detail::stable_sigmoid(x);
  }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) {
    return dy * y * (T{1} - y);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& sigmoid_op() {
  return detail::unary_op_info<T, SigmoidRule>();
}

template <Real T>
Var<T> sigmoid(Var<T> x, std::source_location where) {
  return detail::record_unary<T, SigmoidRule>(x, where);
}

template Var<float> sigmoid(Var<float>, std::source_location);
template Var<double> sigmoid(Var<double>, std::source_location);
template const OpInfo<float>& sigmoid_op();
template const OpInfo<double>& sigmoid_op();

}  // namespace cgrad
