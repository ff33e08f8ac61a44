#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// The two states an LSTM step produces: the hidden state h' and the cell state c', each [N,H].
template <Real T>
struct LstmState {
  Var<T> h;
  Var<T> c;
};

// One step of an LSTM cell with PyTorch's equations and gate order (i, f, g, o):
//
//   gates = x·w_ih + b_ih + h·w_hh + b_hh                     [N,4H]
//   i = σ(gates[:, 0:H])   f = σ(gates[:, H:2H])   g = tanh(gates[:, 2H:3H])   o = σ(gates[:, 3H:4H])
//   c' = f*c + i*g         h' = o*tanh(c')
//
// Shapes: x [N,I], h [N,H], c [N,H], w_ih [I,4H], w_hh [H,4H], b_ih [4H], b_hh [4H]. The
// weights are stored [in, out] as cgrad's Linear stores them (x·W), that is the transposes
// of PyTorch's weight_ih [4H,I] and weight_hh [4H,H].
//
// A node has one value, so the op (LstmCell) records one node of [N,2H] holding h' in
// columns [0,H) and c' in columns [H,2H); lstm_cell returns the two halves as Slices of it.
// lstm_cell_packed returns that node itself, for a caller that wants both in one value.
// The GEMMs, the gate nonlinearities and the state update run in one op; the backward
// computes the gates' gradient in one pass and then the GEMMs for every input.
template <Real T>
LstmState<T> lstm_cell(Var<T> x, Var<T> h, Var<T> c, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh,
                       std::source_location where = std::source_location::current());
template <Real T>
Var<T> lstm_cell_packed(Var<T> x, Var<T> h, Var<T> c, Var<T> w_ih, Var<T> w_hh, Var<T> b_ih, Var<T> b_hh,
                        std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& lstm_cell_op();

}  // namespace cgrad
