#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// The square root, elementwise: NaN below 0, as std::sqrt; the gradient at 0 is inf.
template <Real T>
Var<T> sqrt(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& sqrt_op();

}  // namespace cgrad
