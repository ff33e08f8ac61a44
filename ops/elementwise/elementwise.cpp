#include "ops/elementwise/elementwise.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> elementwise_ops() {
  static const std::array<const OpInfo<T>*, 22> ops{{
      &add_op<T>(),
      &sub_op<T>(),
      &mul_op<T>(),
      &div_op<T>(),
      &neg_op<T>(),
      &scale_op<T>(),
      &relu_op<T>(),
      &add_bias_op<T>(),
      &pow_op<T>(),
      &maximum_op<T>(),
      &minimum_op<T>(),
      &exp_op<T>(),
      &log_op<T>(),
      &sqrt_op<T>(),
      &abs_op<T>(),
      &tanh_op<T>(),
      &sigmoid_op<T>(),
      &leaky_relu_op<T>(),
      &gelu_op<T>(),
      &softplus_op<T>(),
      &clamp_op<T>(),
      &pow_scalar_op<T>()
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> elementwise_ops();
template std::span<const OpInfo<double>* const> elementwise_ops();

}  // namespace cgrad
