#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// e ** x, elementwise.
template <Real T>
Var<T> exp(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& exp_op();

}  // namespace cgrad
