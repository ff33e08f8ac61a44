#include "ops/matmul.h"

#include "ops/kernels/gemm.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  gemm<T>({a.rows(), b.cols(), a.cols()},
          {.a = a.data(), .lda = a.cols(), .b = b.data(), .ldb = b.cols(),
           .c = node.value.data(), .ldc = node.value.cols()});
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  const Tensor<T>& dy = node.grad;
  const std::size_t m = a.rows(), k = a.cols(), n = b.cols();
  if (GradOut<T> da = graph.grad_out(node.inputs[0])) {  // dA = dY · Bᵀ
    gemm<T>({m, k, n}, {.a = dy.data(), .lda = n, .b = b.data(), .ldb = n, .transpose_b = true,
                        .c = da.tensor->data(), .ldc = k, .accumulate = da.accumulate});
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[1])) {  // dB = Aᵀ · dY
    gemm<T>({k, n, m}, {.a = a.data(), .lda = k, .transpose_a = true, .b = dy.data(), .ldb = n,
                        .c = db.tensor->data(), .ldc = n, .accumulate = db.accumulate});
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& matmul_op() {
  static constexpr OpInfo<T> info{"MatMul", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> matmul(Var<T> a, Var<T> b, std::source_location where) {
  Graph<T>& graph = detail::graph_of("MatMul", a, b);
  const Shape sa = graph.value(a.index()).shape();
  const Shape sb = graph.value(b.index()).shape();
  if (sa.cols != sb.rows)
    throw ShapeError(fmt::format("MatMul: cannot multiply {} by {}", sa, sb));
  return graph.finish(graph.begin(matmul_op<T>(), {a, b}, {sa.rows, sb.cols}, where));
}

template Var<float> matmul(Var<float>, Var<float>, std::source_location);
template Var<double> matmul(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& matmul_op();
template const OpInfo<double>& matmul_op();

}  // namespace cgrad
