#include "ops/add_bias.h"

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* bias = graph.value(node.inputs[1]).data();
  const std::size_t cols = x.cols();
  for (std::size_t r = 0; r < x.rows(); ++r) {
    const T* in = x.data() + r * cols;
    T* out = node.value.data() + r * cols;
    for (std::size_t c = 0; c < cols; ++c) out[c] = in[c] + bias[c];
  }
}

// dx = dy, db = column sums of dy: one pass over dy serves both. When x and the bias are
// one node (a [1,n] value added to itself), dx is the overwriting write and db adds to it;
// the row loop writes dx before db, which keeps that order.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& dy = node.grad;
  const std::size_t rows = dy.rows(), cols = dy.cols();
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  T* x_grad = dx ? dx.tensor->data() : nullptr;
  GradOut<T> db = graph.grad_out(node.inputs[1]);
  T* bias_grad = db ? db.tensor->data() : nullptr;
  if (bias_grad != nullptr && !db.accumulate) std::fill_n(bias_grad, cols, T{0});
  for (std::size_t r = 0; r < rows; ++r) {
    const T* row = dy.data() + r * cols;
    if (x_grad != nullptr) {
      T* x_row = x_grad + r * cols;
      if (dx.accumulate) {
        for (std::size_t c = 0; c < cols; ++c) x_row[c] += row[c];
      } else {
        for (std::size_t c = 0; c < cols; ++c) x_row[c] = row[c];
      }
    }
    if (bias_grad != nullptr) {
      for (std::size_t c = 0; c < cols; ++c) bias_grad[c] += row[c];
    }
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& add_bias_op() {
  static constexpr OpInfo<T> info{"AddBias", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> add_bias(Var<T> x, Var<T> bias, std::source_location where) {
  Graph<T>& graph = detail::graph_of("AddBias", x, bias);
  const Shape sx = graph.value(x.index()).shape();
  const Shape sb = graph.value(bias.index()).shape();
  if (sb.rows != 1 || sb.cols != sx.cols)
    throw ShapeError(fmt::format("AddBias: cannot add a bias of {} to {}; the bias must be [1,{}]",
                                 sb, sx, sx.cols));
  return graph.finish(graph.begin(add_bias_op<T>(), {x, bias}, sx, where));
}

template Var<float> add_bias(Var<float>, Var<float>, std::source_location);
template Var<double> add_bias(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& add_bias_op();
template const OpInfo<double>& add_bias_op();

}  // namespace cgrad
