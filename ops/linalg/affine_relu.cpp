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
// unfused pair, the same bits), into the calling thread's scratch, row by row, with db's
// column sums added while each row is in L1: one pass where the pair made two.
template <Real T>
const T* product_grad(Graph<T>& graph, const Node<T>& node) {
  const auto [rows, in, out] = detail::affine_sizes(graph, node);
  const T* y = node.value.data();
  const T* dy = node.grad.data();
  T* dpre = detail::op_scratch<AffineReluScratch, T>(rows * out);
  const auto make_row = [&](std::size_t r) {
    const T* __restrict y_row = y + r * out;
    const T* __restrict dy_row = dy + r * out;
    T* __restrict row = dpre + r * out;
    for (std::size_t j = 0; j < out; ++j) row[j] = detail::relu_grad(y_row[j], dy_row[j]);
    return row;
  };
  if (GradOut<T> db = graph.grad_out(node.inputs[2])) {
    detail::write_column_sums_of_rows(db, rows, out, make_row);
  } else {
    for (std::size_t r = 0; r < rows; ++r) make_row(r);
  }
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
