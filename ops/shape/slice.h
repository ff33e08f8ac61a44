#pragma once
#include <cstdint>
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// x[..., begin:end:step, ...] along `axis` (torch.slice / Python's slicing): negative begin
// and end count from the end, both are clamped to the axis, an empty range gives size 0;
// step must be >= 1.
template <Real T>
Var<T> slice(Var<T> x, std::int64_t axis, std::int64_t begin, std::int64_t end, std::int64_t step = 1,
             std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& slice_op();

}  // namespace cgrad
