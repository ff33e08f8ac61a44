#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// a * b elementwise, broadcasting.
template <Real T>
Var<T> mul(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& mul_op();

}  // namespace cgrad
