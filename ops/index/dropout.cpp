#include "ops/index/dropout.h"

#include <cmath>

#include "ops/op_support.h"

namespace cgrad {
namespace {

// y = x * mask, the mask (0 or 1 / (1 - p)) drawn by dropout() into node.saved. A NaN
// input stays NaN even where dropped (NaN * 0), as in torch.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  const T* mask = node.saved.data();
  T* y = node.value.data();
  for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = x[i] * mask[i];
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    const T* mask = node.saved.data();
    const T* dy = node.output_grad().data();
    detail::write_grad(dx, [&](std::size_t i) { return dy[i] * mask[i]; });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& dropout_op() {
  static constexpr OpInfo<T> info{"Dropout", &forward<T>, &backward<T>};
  return info;
}

namespace detail {

bool dropout_records(double p, bool training) {
  if (!(p >= 0 && p <= 1))  // also refuses NaN
    throw ValueError(fmt::format("Dropout: the probability p must be in [0, 1], got {}", p));
  return training && p > 0;
}

template <Real T>
Node<T>& dropout_begin(Var<T> x, std::source_location where) {
  Graph<T>& graph = graph_of("Dropout", x);
  const Shape& shape = graph.value(x.index()).shape();
  Node<T>& node = graph.begin(dropout_op<T>(), {x}, shape, where);
  node.saved.resize(shape);
  return node;
}

template <Real T>
Var<T> dropout_finish(Var<T> x, Node<T>& node) {
  return x.graph()->finish(node);
}

template Node<float>& dropout_begin(Var<float>, std::source_location);
template Node<double>& dropout_begin(Var<double>, std::source_location);
template Var<float> dropout_finish(Var<float>, Node<float>&);
template Var<double> dropout_finish(Var<double>, Node<double>&);

}  // namespace detail

template const OpInfo<float>& dropout_op();
template const OpInfo<double>& dropout_op();

}  // namespace cgrad
