#include "ops/nn/nn.h"

#include <vector>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> nn_ops() {
  static const std::vector<const OpInfo<T>*> ops{
      // convolution and pooling
      &conv2d_op<T>(), &max_pool2d_op<T>(), &avg_pool2d_op<T>(), &adaptive_avg_pool2d_op<T>(),

      // normalization
      &layer_norm_op<T>(),
      &batch_norm_op<T>(),

      // recurrent cells
      &lstm_cell_op<T>(),
      &gru_cell_op<T>(),

      // attention
      &scaled_dot_product_attention_op<T>(),

  };
  return ops;
}

template std::span<const OpInfo<float>* const> nn_ops();
template std::span<const OpInfo<double>* const> nn_ops();

}  // namespace cgrad
