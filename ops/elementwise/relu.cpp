#include "ops/elementwise/relu.h"

#include "ops/elementwise/unary.h"
#include "ops/kernels/relu_math.h"

namespace cgrad {
namespace {

// The rules (NaN passed through, the mask read from the output) are in relu_math.h,
// shared with Affine's fused ReLU.
struct ReluRule {
  static constexpr std::string_view name = "ReLU";
  template <class T>
  static T forward(T x, const OpParams&) { return detail::relu_value(x); }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) { return detail::relu_grad(y, dy); }
};

}  // namespace

template <Real T>
const OpInfo<T>& relu_op() {
  return detail::unary_op_info<T, ReluRule>();
}

template <Real T>
Var<T> relu(Var<T> x, std::source_location where) {
  return detail::record_unary<T, ReluRule>(x, where);
}

template Var<float> relu(Var<float>, std::source_location);
template Var<double> relu(Var<double>, std::source_location);
template const OpInfo<float>& relu_op();
template const OpInfo<double>& relu_op();

}  // namespace cgrad
