#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The sum over axes (one axis or a list, negative from the end), dropping them or keeping
// them as size 1. No axes, or an empty list, means all of them: sum(x) is a rank-0 scalar.
// Sums over a size-0 axis are 0. Adds in a fixed order: the result does not depend on threads.
template <Real T>
Var<T> sum(Var<T> x, Axes axes = {}, bool keepdim = false,
           std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& sum_op();

}  // namespace cgrad
