#include "ops/elementwise/leaky_relu.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// As ReLU: "x < 0 ? ..." lets a NaN through the forward, and the backward's last branch
// hands the NaN on to the gradient.
struct LeakyReluRule {
  static constexpr std::string_view name = "LeakyReLU";
  template <class T>
  static T forward(T x, const OpParams& p) {
    return x < T{0} ? static_cast<T>(p.reals[0]) * x : x;
  }
  template <class T>
  static T grad(T x, T, T dy, const OpParams& p) {
    return x > T{0} ? dy : (x <= T{0} ? static_cast<T>(p.reals[0]) * dy : x);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& leaky_relu_op() {
  return detail::unary_op_info<T, LeakyReluRule>();
}

template <Real T>
Var<T> leaky_relu(Var<T> x, std::type_identity_t<T> negative_slope, std::source_location where) {
  detail::require_finite("LeakyReLU", "negative_slope", negative_slope);
  OpParams params;
  params.reals[0] = negative_slope;
  return detail::record_unary<T, LeakyReluRule>(x, where, params);
}

template Var<float> leaky_relu(Var<float>, float, std::source_location);
template Var<double> leaky_relu(Var<double>, double, std::source_location);
template const OpInfo<float>& leaky_relu_op();
template const OpInfo<double>& leaky_relu_op();

}  // namespace cgrad
