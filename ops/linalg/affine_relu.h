#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// relu(affine(x, weight, bias)) as one node, "AffineReLU", with the same values and
// gradients bit for bit. The GEMM applies the ReLU to each register tile as it stores it,
// after the bias (as cuBLASLt's RELU_BIAS epilogue and oneDNN's post-ops do), so the
// forward makes no pass of its own over the output; the backward makes the ReLU's gradient
// into a scratch buffer. A hidden layer then records one node where it recorded two, and
// keeps one [rows, out] value and one gradient fewer (BM_SpiralStep/f64: 41 -> 37 us a
// step, benchmarks/RESULTS.md). Linear::forward_relu, Mlp and Sequential (a Linear then a
// ReLU) use it. The same shapes as affine; errors name AffineReLU.
template <Real T>
Var<T> affine_relu(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& affine_relu_op();

}  // namespace cgrad
