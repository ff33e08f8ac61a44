#include "ops/reduce/min.h"

#include "ops/reduce/reduction.h"

namespace cgrad {

template <Real T>
const OpInfo<T>& min_op() {
  static constexpr OpInfo<T> info{"Min", &detail::extreme_forward<T, /*is_max=*/false>, &detail::extreme_backward<T>};
  return info;
}

template <Real T>
Var<T> min(Var<T> x, Axes axes, bool keepdim, std::source_location where) {
  return detail::record_reduction(min_op<T>(), x, &axes, keepdim, true, where);
}

template Var<float> min(Var<float>, Axes, bool, std::source_location);
template Var<double> min(Var<double>, Axes, bool, std::source_location);
template const OpInfo<float>& min_op();
template const OpInfo<double>& min_op();

}  // namespace cgrad
