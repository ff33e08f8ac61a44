#include "ops/elementwise/neg.h"

#include "ops/elementwise/unary.h"

namespace cgrad {
namespace {

struct NegRule {
  static constexpr std::string_view name = "Neg";
  template <class T>
  static T forward(T x, const OpParams&) { return -x; }
  template <class T>
  static T grad(T, T, T dy, const OpParams&) { return -dy; }
};

}  // namespace

template <Real T>
const OpInfo<T>& neg_op() {
  return detail::unary_op_info<T, NegRule>();
}

template <Real T>
Var<T> neg(Var<T> x, std::source_location where) {
  return detail::record_unary<T, NegRule>(x, where);
}

template Var<float> neg(Var<float>, std::source_location);
template Var<double> neg(Var<double>, std::source_location);
template const OpInfo<float>& neg_op();
template const OpInfo<double>& neg_op();

}  // namespace cgrad
