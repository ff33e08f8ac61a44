#include "ops/reduce/max.h"

#include "ops/reduce/reduction.h"

namespace cgrad {

template <Real T>
const OpInfo<T>& max_op() {
  static constexpr OpInfo<T> info{"Max", &detail::extreme_forward<T, /*is_max=*/true>, &detail::extreme_backward<T>};
  return info;
}

template <Real T>
Var<T> max(Var<T> x, Axes axes, bool keepdim, std::source_location where) {
  return detail::record_reduction(max_op<T>(), x, &axes, keepdim, true, where);
}

template Var<float> max(Var<float>, Axes, bool, std::source_location);
template Var<double> max(Var<double>, Axes, bool, std::source_location);
template const OpInfo<float>& max_op();
template const OpInfo<double>& max_op();

}  // namespace cgrad
