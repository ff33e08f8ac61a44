#include "ops/l2_reg.h"

#include <cmath>

#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& w = graph.value(node.inputs[0]);
  T sum_of_squares{0};
  for (std::size_t i = 0; i < w.size(); ++i) sum_of_squares += w[i] * w[i];
  node.value[0] = T{0.5} * node.attribute * sum_of_squares;
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& w = graph.value(node.inputs[0]);
  const T factor = node.attribute * node.grad[0];
  if (GradOut<T> dw = graph.grad_out(node.inputs[0])) {
    detail::write_grad(dw, [&](std::size_t i) { return factor * w[i]; });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& l2_reg_op() {
  static constexpr OpInfo<T> info{"L2Reg", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> l2_reg(Var<T> w, std::type_identity_t<T> lambda, std::source_location where) {
  Graph<T>& graph = detail::graph_of("L2Reg", w);
  if (!std::isfinite(lambda) || lambda < T{0})
    throw ValueError(fmt::format("L2Reg: lambda must be finite and >= 0, got {}", lambda));
  Node<T>& node = graph.begin(l2_reg_op<T>(), {w}, {1, 1}, where);
  node.attribute = lambda;
  return graph.finish(node);
}

template Var<float> l2_reg(Var<float>, float, std::source_location);
template Var<double> l2_reg(Var<double>, double, std::source_location);
template const OpInfo<float>& l2_reg_op();
template const OpInfo<double>& l2_reg_op();

}  // namespace cgrad
