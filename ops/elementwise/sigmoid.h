#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// The logistic function 1 / (1 + exp(-x)), elementwise, without overflow for any x.
template <Real T>
Var<T> sigmoid(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& sigmoid_op();

}  // namespace cgrad
