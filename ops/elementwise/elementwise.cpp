#include "ops/elementwise/elementwise.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> elementwise_ops() {
  static const std::array<const OpInfo<T>*, 8> ops{{
      &add_op<T>(),
      &sub_op<T>(),
      &mul_op<T>(),
      &div_op<T>(),
      &neg_op<T>(),
      &scale_op<T>(),
      &relu_op<T>(),
      &add_bias_op<T>()
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> elementwise_ops();
template std::span<const OpInfo<double>* const> elementwise_ops();

}  // namespace cgrad
