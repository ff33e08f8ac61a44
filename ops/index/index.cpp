#include "ops/index/index.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> index_ops() {
  static const std::array<const OpInfo<T>*, 5> ops{{
      &index_select_op<T>(),
      &embedding_op<T>(),
      &where_op<T>(),
      &masked_fill_op<T>(),
      &dropout_op<T>(),
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> index_ops();
template std::span<const OpInfo<double>* const> index_ops();

}  // namespace cgrad
