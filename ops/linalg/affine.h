#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// x [..., in] · weight [in, out] + bias [out] (or [1, out]) -> [..., out]: the Linear
// layer's matrix product and bias in one node, as LibTorch's addmm. The weight is stored
// [in, out], as cgrad's Linear keeps it (LibTorch's linear() takes [out, in]). Values and
// gradients are bit-identical to add_bias(matmul(x, weight), bias); one node instead of
// two saves the bias's pass over the output in the forward (the GEMM adds it as it stores)
// and the copy of the output's gradient in the backward. affine_relu (affine_relu.h) is
// its ReLU in the same node.
template <Real T>
Var<T> affine(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& affine_op();

}  // namespace cgrad
