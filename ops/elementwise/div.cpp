#include "ops/elementwise/div.h"

#include "ops/elementwise/binary.h"

namespace cgrad {
namespace {

struct DivRule {
  static constexpr std::string_view name = "Div";
  template <class T>
  static T forward(T a, T b) { return a / b; }
  template <class T>
  static T grad_a([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return dy / b; }
  template <class T>
  static T grad_b([[maybe_unused]] T a, [[maybe_unused]] T b, [[maybe_unused]] T y, T dy) { return -dy * y / b; }
};

}  // namespace

template <Real T>
const OpInfo<T>& div_op() {
  return detail::binary_op_info<T, DivRule>();
}

template <Real T>
Var<T> div(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, DivRule>(a, b, where);
}

template Var<float> div(Var<float>, Var<float>, std::source_location);
template Var<double> div(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& div_op();
template const OpInfo<double>& div_op();

}  // namespace cgrad
