#include "ops/nn/nn.h"

#include <vector>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> nn_ops() {
  static const std::vector<const OpInfo<T>*> ops{
      // convolution and pooling

      // normalization

      // recurrent cells

      // attention
      &scaled_dot_product_attention_op<T>(),

  };
  return ops;
}

template std::span<const OpInfo<float>* const> nn_ops();
template std::span<const OpInfo<double>* const> nn_ops();

}  // namespace cgrad
