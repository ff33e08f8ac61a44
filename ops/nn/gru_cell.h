#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// One step of a GRU cell with PyTorch's equations and gate order (r, z, n):
//
//   a = x·w_ih + b_ih     b = h·w_hh + b_hh                     [N,3H] each
//   r = σ(a_r + b_r)      z = σ(a_z + b_z)      n = tanh(a_n + r*b_n)
//   h' = (1 - z)*n + z*h                                         [N,H]
//
// Shapes: x [N,I], h [N,H], w_ih [I,3H], w_hh [H,3H], b_ih [3H], b_hh [3H]. The weights
// are stored [in, out] as cgrad's Linear stores them (x·W), the transposes of PyTorch's
// weight_ih [3H,I] and weight_hh [3H,H]. One op (GruCell): both GEMMs, the gates and the
// update forward; the gates' gradient in one pass and the GEMMs backward.
template <Real T>
Var<T> gru_cell(Var<T> x, Var<T> h, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh,
                std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& gru_cell_op();

}  // namespace cgrad
