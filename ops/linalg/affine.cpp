#include "ops/linalg/affine.h"

#include "ops/elementwise/column_sums.h"
#include "ops/kernels/gemm.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

struct Sizes {
  std::size_t rows, in, out;
};

template <Real T>
Sizes sizes_of(const Graph<T>& graph, const Node<T>& node) {
  const Shape& weight = graph.value(node.inputs[1]).shape();
  return {node.value.shape().rows(), weight[0], weight[1]};
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const auto [rows, in, out] = sizes_of(graph, node);
  // The GEMM adds the bias as it stores each tile, after the tile's sum is complete.
  gemm<T>({rows, out, in}, {.a = graph.value(node.inputs[0]).data(), .lda = in, .b = graph.value(node.inputs[1]).data(),
                            .ldb = out, .c = node.value.data(), .ldc = out, .bias = graph.value(node.inputs[2]).data()});
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const auto [rows, in, out] = sizes_of(graph, node);
  const T* dy = node.grad.data();
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {  // dx = dy · weightᵀ
    gemm<T>({rows, in, out}, {.a = dy, .lda = out, .b = graph.value(node.inputs[1]).data(), .ldb = out,
                              .transpose_b = true, .c = dx.tensor->data(), .ldc = in, .accumulate = dx.accumulate});
  }
  if (GradOut<T> dw = graph.grad_out(node.inputs[1])) {  // dweight = xᵀ · dy
    gemm<T>({in, out, rows}, {.a = graph.value(node.inputs[0]).data(), .lda = in, .transpose_a = true, .b = dy,
                              .ldb = out, .c = dw.tensor->data(), .ldc = out, .accumulate = dw.accumulate});
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[2])) {  // dbias = column sums of dy
    detail::write_column_sums(db, dy, rows, out, out);
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& affine_op() {
  static constexpr OpInfo<T> info{"Affine", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> affine(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Affine", x, weight);
  graph.check(bias, "Affine");
  const Shape& sx = graph.value(x.index()).shape();
  const Shape& sw = graph.value(weight.index()).shape();
  const Shape& sb = graph.value(bias.index()).shape();
  if (sw.rank() != 2)
    throw ShapeError(fmt::format("Affine: the weight must be a matrix [in, out], got {}", sw));
  if (sx.rank() == 0 || sx[sx.rank() - 1] != sw[0])
    throw ShapeError(fmt::format("Affine: cannot multiply {} by a weight of {}; the input's last axis must be {}",
                                 sx, sw, sw[0]));
  const bool bias_fits = (sb.rank() == 1 && sb[0] == sw[1]) || (sb.rank() == 2 && sb[0] == 1 && sb[1] == sw[1]);
  if (!bias_fits)
    throw ShapeError(fmt::format("Affine: a weight of {} needs a bias of [{}] or [1,{}], got {}", sw, sw[1], sw[1], sb));
  Shape out = sx;
  out[out.rank() - 1] = sw[1];
  return graph.finish(graph.begin(affine_op<T>(), {x, weight, bias}, out, where));
}

template Var<float> affine(Var<float>, Var<float>, Var<float>, std::source_location);
template Var<double> affine(Var<double>, Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& affine_op();
template const OpInfo<double>& affine_op();

}  // namespace cgrad
