#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// The hyperbolic tangent, elementwise.
template <Real T>
Var<T> tanh(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& tanh_op();

}  // namespace cgrad
