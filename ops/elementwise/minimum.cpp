#include "ops/elementwise/minimum.h"

#include <cmath>

#include "ops/elementwise/binary.h"
#include "ops/elementwise/scalar_math.h"

namespace cgrad {
namespace {

struct MinimumRule {
  static constexpr std::string_view name = "Minimum";
  template <class T>
  static T forward(T a, T b) {
    return detail::nan_min(a, b);
  }
  template <class T>
  static T grad_a(T a, T b, T y, T dy) {
    return detail::min_share(a, b, y, dy);
  }
  template <class T>
  static T grad_b(T a, T b, T y, T dy) {
    return detail::min_share(b, a, y, dy);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& minimum_op() {
  return detail::binary_op_info<T, MinimumRule>();
}

template <Real T>
Var<T> minimum(Var<T> a, Var<T> b, std::source_location where) {
  return detail::record_binary<T, MinimumRule>(a, b, where);
}

template Var<float> minimum(Var<float>, Var<float>, std::source_location);
template Var<double> minimum(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& minimum_op();
template const OpInfo<double>& minimum_op();

}  // namespace cgrad
