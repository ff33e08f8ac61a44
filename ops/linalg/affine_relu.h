#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// relu(affine(x, weight, bias)) as one node, "AffineReLU", with the same values and
// gradients bit for bit: the GEMM applies the ReLU to each register tile as it stores it,
// after the bias (as cuBLASLt's RELU_BIAS epilogue and oneDNN's post-ops do), and the
// backward makes the ReLU's gradient and the bias's column sums in one pass. A hidden
// layer of an Mlp then takes no separate pass over its output, forward or backward, and
// holds one buffer of that size fewer. The same shapes as affine; errors name AffineReLU.
template <Real T>
Var<T> affine_relu(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& affine_relu_op();

}  // namespace cgrad
