#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// -x, elementwise.
template <Real T>
Var<T> neg(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& neg_op();

}  // namespace cgrad
