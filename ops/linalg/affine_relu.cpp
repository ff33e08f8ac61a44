#include "ops/linalg/affine_relu.h"

#include <tbb/task_arena.h>

#include "ops/elementwise/column_sums.h"
#include "ops/kernels/relu_math.h"
#include "ops/linalg/affine_support.h"
#include "ops/scratch.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  detail::affine_forward(graph, node, /*relu=*/true);
}

struct AffineReluScratch {};  // ops/scratch.h's tag for the backward's buffer

// The gradient at the product's output, relu_grad(y, dy) (the ReLU node's gradient in the
// unfused pair, the same bits), into the calling thread's scratch, then db's column sums.
// One flat loop, not a loop per row with the sums: a row of 100 floats ends in a partial
// vector, and the per-row form measured no faster in double and slower in float.
template <Real T>
const T* product_grad(Graph<T>& graph, const Node<T>& node) {
  const auto [rows, in, out] = detail::affine_sizes(graph, node);
  const std::size_t size = rows * out;
  const T* __restrict y = node.value.data();
  const T* __restrict dy = node.output_grad().data();
  T* __restrict dpre = detail::op_scratch<AffineReluScratch, T>(size);
  for (std::size_t i = 0; i < size; ++i) dpre[i] = detail::relu_grad(y[i], dy[i]);
  if (GradOut<T> db = graph.grad_out(node.inputs[2])) detail::write_column_sums(db, dpre, rows, out, out);
  return dpre;
}

// The scratch is live across two GEMMs that may run in parallel; isolated, a thread waiting
// in them cannot pick up another graph's task that reaches this op and reuses the buffer.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  tbb::this_task_arena::isolate([&] { detail::affine_products_backward(graph, node, product_grad(graph, node)); });
}

}  // namespace

template <Real T>
const OpInfo<T>& affine_relu_op() {
  static constexpr OpInfo<T> info{"AffineReLU", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> affine_relu(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where) {
  return detail::record_affine(affine_relu_op<T>(), x, weight, bias, where);
}

template Var<float> affine_relu(Var<float>, Var<float>, Var<float>, std::source_location);
template Var<double> affine_relu(Var<double>, Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& affine_relu_op();
template const OpInfo<double>& affine_relu_op();

}  // namespace cgrad
