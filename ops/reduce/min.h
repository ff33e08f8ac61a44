#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The smallest element over axes, with max's rules (torch.amin): min(x) over all of them.
template <Real T>
Var<T> min(Var<T> x, Axes axes = {}, bool keepdim = false,
           std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& min_op();

}  // namespace cgrad
