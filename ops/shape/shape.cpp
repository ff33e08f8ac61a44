#include "ops/shape/shape.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> shape_ops() {
  static const std::array<const OpInfo<T>*, 7> ops{{
      &reshape_op<T>(), &permute_op<T>(), &slice_op<T>(), &concat_op<T>(), &stack_op<T>(), &expand_op<T>(),
      &detach_op<T>()
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> shape_ops();
template std::span<const OpInfo<double>* const> shape_ops();

}  // namespace cgrad
