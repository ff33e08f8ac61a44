#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The largest element over axes, as torch.amax: max(x) (or an empty list) over all of them.
// A NaN in a slice makes its result NaN (and its gradient NaN); the gradient is split evenly
// among tied maxima. Throws ShapeError for a size-0 reduced axis (an empty slice has no max).
template <Real T>
Var<T> max(Var<T> x, Axes axes = {}, bool keepdim = false,
           std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& max_op();

}  // namespace cgrad
