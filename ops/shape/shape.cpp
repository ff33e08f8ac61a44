#include "ops/shape/shape.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> shape_ops() {
  static const std::array<const OpInfo<T>*, 0> ops{{

  }};
  return ops;
}

template std::span<const OpInfo<float>* const> shape_ops();
template std::span<const OpInfo<double>* const> shape_ops();

}  // namespace cgrad
