#include "ops/reduce/mean.h"

#include "ops/reduce/reduction.h"

namespace cgrad {
namespace {

// The sum, then one division per output: over a size-0 axis 0 / 0 is NaN, as in torch.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  T* y = node.value.data();
  node.value.fill(T{0});
  detail::reduce_runs(detail::reduction_loop(x.shape(), node.params), x.data(), y, y, T{0},
                      [](T a, T v, T) { return a + v; }, detail::plus<T>);
  const T count = static_cast<T>(detail::reduced_count(x.shape(), node.params));
  for (std::size_t k = 0; k < node.value.size(); ++k) y[k] = y[k] / count;
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T inverse = T{1} / static_cast<T>(detail::reduced_count(x.shape(), node.params));
  const T* dy = node.output_grad().data();
  detail::broadcast_apply(dx.tensor->data(), dx.accumulate, detail::reduction_loop(x.shape(), node.params), x.data(),
                          dy, dy, dy, [inverse](T, T g, T, T) { return g * inverse; });
}

}  // namespace

template <Real T>
const OpInfo<T>& mean_op() {
  static constexpr OpInfo<T> info{"Mean", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> mean(Var<T> x, Axes axes, bool keepdim, std::source_location where) {
  return detail::record_reduction(mean_op<T>(), x, &axes, keepdim, false, where);
}

template Var<float> mean(Var<float>, Axes, bool, std::source_location);
template Var<double> mean(Var<double>, Axes, bool, std::source_location);
template const OpInfo<float>& mean_op();
template const OpInfo<double>& mean_op();

}  // namespace cgrad
