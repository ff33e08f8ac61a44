#pragma once
// What Affine and AffineReLU share: the checks and the recording of x · weight + bias, the
// forward's one GEMM (with or without its ReLU store) and the backward's two products.
#include <source_location>

#include "ops/kernels/gemm.h"
#include "ops/op_support.h"

namespace cgrad::detail {

struct AffineSizes {
  std::size_t rows, in, out;
};

template <Real T>
AffineSizes affine_sizes(const Graph<T>& graph, const Node<T>& node) {
  const Shape& weight = graph.value(node.inputs[1]).shape();
  return {node.value.shape().rows(), weight[0], weight[1]};
}

// y = x · weight + bias, or its ReLU with `relu`: the GEMM adds the bias as it stores each
// tile, after the tile's sum is complete, then applies the ReLU in the same store.
template <Real T>
void affine_forward(const Graph<T>& graph, Node<T>& node, bool relu) {
  const auto [rows, in, out] = affine_sizes(graph, node);
  gemm<T>({rows, out, in}, {.a = graph.value(node.inputs[0]).data(), .lda = in, .b = graph.value(node.inputs[1]).data(),
                            .ldb = out, .c = node.value.data(), .ldc = out, .bias = graph.value(node.inputs[2]).data(),
                            .relu = relu});
}

// dx = dy · weightᵀ and dweight = xᵀ · dy, for dy the gradient at the product's output.
template <Real T>
void affine_products_backward(Graph<T>& graph, const Node<T>& node, const T* dy) {
  const auto [rows, in, out] = affine_sizes(graph, node);
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    gemm<T>({rows, in, out}, {.a = dy, .lda = out, .b = graph.value(node.inputs[1]).data(), .ldb = out,
                              .transpose_b = true, .c = dx.tensor->data(), .ldc = in, .accumulate = dx.accumulate});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[1])) {
    gemm<T>({in, out, rows}, {.a = graph.value(node.inputs[0]).data(), .lda = in, .transpose_a = true, .b = dy,
                              .ldb = out, .c = dw.tensor->data(), .ldc = out, .accumulate = dw.accumulate});
  }
}

// Checks x [..., in], weight [in, out] and bias [out] or [1, out], and records the node
// (output [..., out]); errors name `info`'s op.
template <Real T>
Var<T> record_affine(const OpInfo<T>& info, Var<T> x, Var<T> weight, Var<T> bias, std::source_location where) {
  const std::string_view op = info.name;
  Graph<T>& graph = graph_of(op, x, weight);
  graph.check(bias, op);
  const Shape& sx = graph.value(x.index()).shape();
  const Shape& sw = graph.value(weight.index()).shape();
  const Shape& sb = graph.value(bias.index()).shape();
  if (sw.rank() != 2) throw ShapeError(fmt::format("{}: the weight must be a matrix [in, out], got {}", op, sw));
  if (sx.rank() == 0 || sx[sx.rank() - 1] != sw[0])
    throw ShapeError(fmt::format("{}: cannot multiply {} by a weight of {}; the input's last axis must be {}", op,
                                 sx, sw, sw[0]));
  const bool bias_fits = (sb.rank() == 1 && sb[0] == sw[1]) || (sb.rank() == 2 && sb[0] == 1 && sb[1] == sw[1]);
  if (!bias_fits)
    throw ShapeError(fmt::format("{}: a weight of {} needs a bias of [{}] or [1,{}], got {}", op, sw, sw[1], sw[1], sb));
  Shape out = sx;
  out[out.rank() - 1] = sw[1];
  return graph.finish(graph.begin(info, {x, weight, bias}, out, where));
}

}  // namespace cgrad::detail
