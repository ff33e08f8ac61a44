#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// |x|, elementwise. The gradient is sign(x) * dy: 0 at x == 0 as in LibTorch, NaN for a NaN x.
template <Real T>
Var<T> abs(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& abs_op();

}  // namespace cgrad
