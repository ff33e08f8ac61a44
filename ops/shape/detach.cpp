#include "ops/shape/detach.h"

#include <cstring>

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  if (x.size() != 0) std::memcpy(node.value.data(), x.data(), x.size() * sizeof(T));
}

// Never called: the node does not require a gradient, so backward skips it.
template <Real T>
void backward(Graph<T>&, const Node<T>&) {}

}  // namespace

template <Real T>
const OpInfo<T>& detach_op() {
  static constexpr OpInfo<T> info{"Detach", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> detach(Var<T> x, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Detach", x);
  Node<T>& node = graph.begin(detach_op<T>(), {x}, graph.value(x.index()).shape(), where);
  node.requires_grad = false;
  return graph.finish(node);
}

template Var<float> detach(Var<float>, std::source_location);
template Var<double> detach(Var<double>, std::source_location);
template const OpInfo<float>& detach_op();
template const OpInfo<double>& detach_op();

}  // namespace cgrad
