#include "ops/relu.h"

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = x[i] > T{0} ? x[i] : T{0};
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  // The output is > 0 exactly where the input was, so the mask is read from it.
  const T* y = node.value.data();
  const T* dy = node.grad.data();
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    // dy is loaded unconditionally: a load under the condition would keep the compiler
    // from turning the select into vector blends.
    detail::write_grad(dx, [&](std::size_t i) {
      const T upstream = dy[i];
      return y[i] > T{0} ? upstream : T{0};
    });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& relu_op() {
  static constexpr OpInfo<T> info{"ReLU", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> relu(Var<T> x, std::source_location where) {
  Graph<T>& graph = detail::graph_of("ReLU", x);
  return graph.finish(graph.begin(relu_op<T>(), {x}, graph.value(x.index()).shape(), where));
}

template Var<float> relu(Var<float>, std::source_location);
template Var<double> relu(Var<double>, std::source_location);
template const OpInfo<float>& relu_op();
template const OpInfo<double>& relu_op();

}  // namespace cgrad
