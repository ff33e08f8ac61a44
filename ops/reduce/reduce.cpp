#include "ops/reduce/reduce.h"

#include <array>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> reduce_ops() {
  static const std::array<const OpInfo<T>*, 7> ops{{
      &sum_op<T>(),
      &mean_op<T>(),
      &max_op<T>(),
      &min_op<T>(),
      &logsumexp_op<T>(),
      &softmax_op<T>(),
      &log_softmax_op<T>()
  }};
  return ops;
}

template std::span<const OpInfo<float>* const> reduce_ops();
template std::span<const OpInfo<double>* const> reduce_ops();

}  // namespace cgrad
