#pragma once
#include <source_location>

#include "graph/axes.h"
#include "graph/graph.h"

namespace cgrad {

// The sum of all elements (a rank-0 result), or over axes (one axis or a list, negative
// from the end; an empty list means all), dropping them or keeping them as size 1. Sums
// over a size-0 axis are 0. Adds in a fixed order: the result does not depend on threads.
template <Real T>
Var<T> sum(Var<T> x, std::source_location where = std::source_location::current());
template <Real T>
Var<T> sum(Var<T> x, Axes axes, bool keepdim = false, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& sum_op();

}  // namespace cgrad
