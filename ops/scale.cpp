#include "ops/scale.h"

#include <cmath>

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  const T factor = node.attribute;
  T* y = node.value.data();
  for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = factor * x[i];
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const T* dy = node.grad.data();
  const T factor = node.attribute;
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    detail::write_grad(dx, [&](std::size_t i) { return factor * dy[i]; });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& scale_op() {
  static constexpr OpInfo<T> info{"Scale", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> scale(Var<T> x, std::type_identity_t<T> factor, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Scale", x);
  if (!std::isfinite(factor))
    throw ValueError(fmt::format("Scale: the factor must be finite, got {}", factor));
  Node<T>& node = graph.begin(scale_op<T>(), {x}, graph.value(x.index()).shape(), where);
  node.attribute = factor;
  return graph.finish(node);
}

template Var<float> scale(Var<float>, float, std::source_location);
template Var<double> scale(Var<double>, double, std::source_location);
template const OpInfo<float>& scale_op();
template const OpInfo<double>& scale_op();

}  // namespace cgrad
