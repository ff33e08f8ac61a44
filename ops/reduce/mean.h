#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The mean over axes, as sum: mean(x) (or an empty list) is the mean of all elements, rank 0.
// A mean over a size-0 axis is NaN (0/0), as in torch.
template <Real T>
Var<T> mean(Var<T> x, Axes axes = {}, bool keepdim = false,
            std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& mean_op();

}  // namespace cgrad
