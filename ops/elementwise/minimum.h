#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// The smaller of a and b elementwise, broadcasting (torch.minimum); NaN if either is NaN.
// At a tie the gradient is split half and half between a and b, as in LibTorch.
template <Real T>
Var<T> minimum(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& minimum_op();

}  // namespace cgrad
