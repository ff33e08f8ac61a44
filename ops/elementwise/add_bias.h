#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x [m,n] + bias [1,n] -> [m,n]: the bias is added to every row.
template <Real T>
Var<T> add_bias(Var<T> x, Var<T> bias, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& add_bias_op();

}  // namespace cgrad
