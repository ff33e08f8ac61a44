#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x limited to [min, max] elementwise (torch.clamp); a bound may be infinite (no bound on
// that side) but not NaN, and min > max is refused with ValueError. The gradient passes
// where min <= x <= max (bounds included, as in LibTorch); a NaN x gives NaN forward and
// backward.
template <Real T>
Var<T> clamp(Var<T> x, std::type_identity_t<T> min, std::type_identity_t<T> max,
             std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& clamp_op();

}  // namespace cgrad
