#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// The matrix product of the last two axes, batched over the leading ones as torch::matmul
// does for ranks >= 2: [..., m, k] · [..., k, n] -> [..., m, n], the batch axes broadcast by
// NumPy's rules ([8,128,128] · [128,128] multiplies each of the 8 by the one matrix). Any
// of m, k, n may be 0: an empty batch gives an empty product, and k = 0 a zero matrix.
template <Real T>
Var<T> matmul(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& matmul_op();

}  // namespace cgrad
