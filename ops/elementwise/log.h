#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// The natural logarithm, elementwise: NaN below 0 and -inf at 0, as std::log.
template <Real T>
Var<T> log(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& log_op();

}  // namespace cgrad
