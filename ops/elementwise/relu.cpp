#include "ops/elementwise/relu.h"

#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

// Written as "x < 0 ? 0 : x", not "x > 0 ? x : 0": a NaN fails every comparison, so this
// form passes it through (as LibTorch does) where the other would turn it into 0 and hide
// it from anomaly mode. The backward's mask is read from the output, which is > 0 exactly
// where the input was; a NaN input has a NaN output and passes the gradient on (a NaN).
struct ReluRule {
  static constexpr std::string_view name = "ReLU";
  template <class T>
  static T forward(T x, const OpParams&) { return x < T{0} ? T{0} : x; }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) {
    // y <= 0 is false for a NaN y, so NaN * dy: the NaN reaches the gradient.
    return y <= T{0} ? T{0} : (y == y ? dy : y);
  }
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
