#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The largest element (rank 0), or the largest over axes, as torch.amax: a NaN in a slice
// makes its result NaN (and its gradient NaN); the gradient is split evenly among tied
// maxima. Throws ShapeError for a size-0 reduced axis (an empty slice has no max).
template <Real T>
Var<T> max(Var<T> x, std::source_location where = std::source_location::current());
template <Real T>
Var<T> max(Var<T> x, Axes axes, bool keepdim = false, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& max_op();

}  // namespace cgrad
