#include "ops/linalg/linalg.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> linalg_ops() {
  static const std::array<const OpInfo<T>*, 3> ops{{
      &matmul_op<T>(), &affine_op<T>(), &affine_relu_op<T>()
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> linalg_ops();
template std::span<const OpInfo<double>* const> linalg_ops();

}  // namespace cgrad
