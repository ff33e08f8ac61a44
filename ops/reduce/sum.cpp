#include "ops/reduce/sum.h"

#include "ops/reduce/reduction.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  T* y = node.value.data();
  node.value.fill(T{0});
  detail::reduce_runs(detail::reduction_loop(x.shape(), node.params), x.data(), y, y, T{0},
                      [](T a, T v, T) { return a + v; }, detail::plus<T>);
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* dy = node.output_grad().data();
  detail::broadcast_apply(dx.tensor->data(), dx.accumulate, detail::reduction_loop(x.shape(), node.params), x.data(),
                          dy, dy, dy, [](T, T g, T, T) { return g; });
}

}  // namespace

template <Real T>
const OpInfo<T>& sum_op() {
  static constexpr OpInfo<T> info{"Sum", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> sum(Var<T> x, Axes axes, bool keepdim, std::source_location where) {
  return detail::record_reduction(sum_op<T>(), x, &axes, keepdim, false, where);
}

template Var<float> sum(Var<float>, Axes, bool, std::source_location);
template Var<double> sum(Var<double>, Axes, bool, std::source_location);
template const OpInfo<float>& sum_op();
template const OpInfo<double>& sum_op();

}  // namespace cgrad
