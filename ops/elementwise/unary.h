#pragma once
// Elementwise unary ops from a rule. A rule names the op and gives its scalar math, with
// the op's arguments (a slope, bounds, an exponent) in the node's OpParams:
//
//   struct TanhRule {
//     static constexpr std::string_view name = "Tanh";
//     template <class T> static T forward(T x, const OpParams&) { return std::tanh(x); }
//     template <class T> static T grad(T x, T y, T dy, const OpParams&) { return dy * (1 - y * y); }
//   };
#include <source_location>

#include "ops/op_support.h"

namespace cgrad::detail {

template <Real T, class Rule>
void unary_forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  const OpParams params = node.params;  // a local copy: the compiler need not reload it per element
  for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = Rule::forward(x[i], params);
}

template <Real T, class Rule>
void unary_backward(Graph<T>& graph, const Node<T>& node) {
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    const T* x = graph.value(node.inputs[0]).data();
    const T* y = node.value.data();
    const T* dy = node.output_grad().data();
    const OpParams params = node.params;
    write_grad(dx, [&](std::size_t i) { return Rule::grad(x[i], y[i], dy[i], params); });
  }
}

template <Real T, class Rule>
const OpInfo<T>& unary_op_info() {
  static constexpr OpInfo<T> info{Rule::name, &unary_forward<T, Rule>, &unary_backward<T, Rule>};
  return info;
}

template <Real T, class Rule>
Var<T> record_unary(Var<T> x, std::source_location where, const OpParams& params = {}) {
  Graph<T>& graph = graph_of(Rule::name, x);
  Node<T>& node = graph.begin(unary_op_info<T, Rule>(), {x}, graph.value(x.index()).shape(), where);
  node.params = params;
  return graph.finish(node);
}

}  // namespace cgrad::detail
