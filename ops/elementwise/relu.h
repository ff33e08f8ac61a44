#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// max(0, x), elementwise. The gradient passes where the input was > 0.
template <Real T>
Var<T> relu(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& relu_op();

}  // namespace cgrad
