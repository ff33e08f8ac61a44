#include "ops/elementwise/tanh.h"

#include <type_traits>

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/elementwise/unary.h"
#include "ops/kernels/vector_math.h"

namespace cgrad {
namespace {

struct TanhRule {
  static constexpr std::string_view name = "Tanh";
  template <class T>
  static T forward(T x, const OpParams&) {
    if constexpr (std::is_same_v<T, float>) {
      return detail::tanh_float(x);  // vectorizes, unlike the libm call
    } else {
      return std::tanh(x);
    }
  }
  template <class T>
  static T grad(T, T y, T dy, const OpParams&) {
    return dy * (T{1} - y * y);
  }
};

}  // namespace

template <Real T>
const OpInfo<T>& tanh_op() {
  return detail::unary_op_info<T, TanhRule>();
}

template <Real T>
Var<T> tanh(Var<T> x, std::source_location where) {
  return detail::record_unary<T, TanhRule>(x, where);
}

template Var<float> tanh(Var<float>, std::source_location);
template Var<double> tanh(Var<double>, std::source_location);
template const OpInfo<float>& tanh_op();
template const OpInfo<double>& tanh_op();

}  // namespace cgrad
