#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// x broadcast to `shape` by NumPy's rules (torch.expand / np.broadcast_to): new leading
// axes and size-1 axes repeat. Values are contiguous, so this copies; backward sums over
// the repeated axes.
template <Real T>
Var<T> expand(Var<T> x, const Shape& shape, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& expand_op();

}  // namespace cgrad
