#include "ops/reduce/reduce.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> reduce_ops() {
  static const std::array<const OpInfo<T>*, 0> ops{{

  }};
  return ops;
}

template std::span<const OpInfo<float>* const> reduce_ops();
template std::span<const OpInfo<double>* const> reduce_ops();

}  // namespace cgrad
