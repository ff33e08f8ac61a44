#include "ops/elementwise/maximum.h"

#include <cmath>

#include "ops/elementwise/binary.h"
#include "ops/elementwise/scalar_math.h"

namespace cgrad {
namespace {

struct MaximumRule {
  static constexpr std::string_view name = "Maximum";
  template <class T>
  static T forward(T a, T b) {
    return detail::nan_max(a, b);
  }
  template <class T>
  static T grad_a(T a, T b, T y, T dy) {
    return detail::max_share(a, b, y, dy);
  }
  template <class T>
  static T grad_b(T a, T b, T y, T dy) {
    return detail::max_share(b, a, y, dy);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& maximum_op() {
  return detail::binary_op_info<T, MaximumRule>();
}

template <Real T>
Var<T> maximum(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, MaximumRule>(a, b, where);
}

template Var<float> maximum(Var<float>, Var<float>, std::source_location);
template Var<double> maximum(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& maximum_op();
template const OpInfo<double>& maximum_op();

}  // namespace cgrad
