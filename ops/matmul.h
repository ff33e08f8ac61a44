#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// [m,k] · [k,n] -> [m,n]. Any of m, k, n may be 0: an empty batch gives an empty product,
// and k = 0 a zero matrix (a sum of no terms).
template <Real T>
Var<T> matmul(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& matmul_op();

}  // namespace cgrad
