#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// [m,k] · [k,n] -> [m,n]
template <Real T>
Var<T> matmul(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& matmul_op();

}  // namespace cgrad
