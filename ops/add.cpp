#include "ops/add.h"

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* a = graph.value(node.inputs[0]).data();
  const T* b = graph.value(node.inputs[1]).data();
  T* y = node.value.data();
  for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = a[i] + b[i];
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const T* dy = node.grad.data();
  for (std::uint32_t operand = 0; operand < 2; ++operand) {
    if (GradOut<T> dx = graph.grad_out(node.inputs[operand])) {
      detail::write_grad(dx, [&](std::size_t i) { return dy[i]; });
    }
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& add_op() {
  static constexpr OpInfo<T> info{"Add", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> add(Var<T> a, Var<T> b, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Add", a, b);
  const Shape sa = graph.value(a.index()).shape();
  const Shape sb = graph.value(b.index()).shape();
  if (sa != sb) throw ShapeError(fmt::format("Add: cannot add {} and {}; the shapes must be equal", sa, sb));
  return graph.finish(graph.begin(add_op<T>(), {a, b}, sa, where));
}

template Var<float> add(Var<float>, Var<float>, std::source_location);
template Var<double> add(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& add_op();
template const OpInfo<double>& add_op();

}  // namespace cgrad
