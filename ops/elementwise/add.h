#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// a + b, broadcasting (NumPy rules).
template <Real T>
Var<T> add(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& add_op();

}  // namespace cgrad
