#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// a - b, broadcasting.
template <Real T>
Var<T> sub(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& sub_op();

}  // namespace cgrad
