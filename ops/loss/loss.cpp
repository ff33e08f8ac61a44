#include "ops/loss/loss.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> loss_ops() {
  static const std::array<const OpInfo<T>*, 5> ops{{
      &softmax_xent_op<T>(),
      &l2_reg_op<T>(),
      &nll_loss_op<T>(),
      &mse_loss_op<T>(),
      &binary_cross_entropy_with_logits_op<T>(),
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> loss_ops();
template std::span<const OpInfo<double>* const> loss_ops();

}  // namespace cgrad
