#pragma once
// Broadcasting binary ops from a rule. A rule names the op and gives its scalar math; this
// file turns it into an OpInfo (forward; backward that sums the gradient of a broadcast
// operand over its broadcast axes, in a fixed order) and a recorder that checks shapes.
//
//   struct MulRule {
//     static constexpr std::string_view name = "Mul";
//     template <class T> static T forward(T a, T b) { return a * b; }
//     template <class T> static T grad_a(T a, T b, T y, T dy) { return dy * b; }  // dy * dy/da
//     template <class T> static T grad_b(T a, T b, T y, T dy) { return dy * a; }
//   };
#include <source_location>

#include "ops/loop.h"
#include "ops/op_support.h"

namespace cgrad::detail {

template <Real T, class Rule>
void binary_forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  if (a.shape() == b.shape()) {  // no broadcasting: one flat pass, no loop set-up
    const T* pa = a.data();
    const T* pb = b.data();
    T* y = node.value.data();
    for (std::size_t i = 0; i < node.value.size(); ++i) y[i] = Rule::forward(pa[i], pb[i]);
    return;
  }
  const auto loop = make_loop<3>(node.value.shape(), {&node.value.shape(), &a.shape(), &b.shape()});
  for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    T* y = node.value.data() + offset[0];
    const T* pa = a.data() + offset[1];
    const T* pb = b.data() + offset[2];
    // The output's step is always 1; specialise the operands' steps so the loops vectorize.
    if (step[1] == 1 && step[2] == 1) {
      for (std::size_t i = 0; i < n; ++i) y[i] = Rule::forward(pa[i], pb[i]);
    } else if (step[1] == 0 && step[2] == 1) {
      const T va = *pa;
      for (std::size_t i = 0; i < n; ++i) y[i] = Rule::forward(va, pb[i]);
    } else if (step[1] == 1 && step[2] == 0) {
      const T vb = *pb;
      for (std::size_t i = 0; i < n; ++i) y[i] = Rule::forward(pa[i], vb);
    } else {
      for (std::size_t i = 0; i < n; ++i) y[i] = Rule::forward(pa[i * step[1]], pb[i * step[2]]);
    }
  });
}

// The gradient of operand `which` (0: a, 1: b).
template <Real T, class Rule, int which>
T binary_local_grad(T a, T b, T y, T dy) {
  if constexpr (which == 0) {
    return Rule::grad_a(a, b, y, dy);
  } else {
    return Rule::grad_b(a, b, y, dy);
  }
}

template <Real T, class Rule, int which>
void binary_backward_operand(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> out = graph.grad_out(node.inputs[which]);
  if (!out) return;
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  const T* y = node.value.data();
  const T* dy = node.output_grad().data();
  T* g = out.tensor->data();
  if (a.shape() == b.shape()) {  // no broadcasting: one flat pass
    const T* pa = a.data();
    const T* pb = b.data();
    write_grad(out, [&](std::size_t i) { return binary_local_grad<T, Rule, which>(pa[i], pb[i], y[i], dy[i]); });
    return;
  }
  const Shape& mine = which == 0 ? a.shape() : b.shape();
  const bool broadcast = mine != node.value.shape();
  // A broadcast operand's gradient is a sum over the axes it was repeated along.
  if (broadcast && !out.accumulate) out.tensor->fill(T{0});
  const bool assign = !broadcast && !out.accumulate;
  const auto loop = make_loop<4>(node.value.shape(), {&node.value.shape(), &a.shape(), &b.shape(), &mine});
  for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    const T* pa = a.data() + offset[1];
    const T* pb = b.data() + offset[2];
    const T* yr = y + offset[0];
    const T* dyr = dy + offset[0];
    T* gr = g + offset[3];
    auto local = [&](std::size_t i) {
      return binary_local_grad<T, Rule, which>(pa[i * step[1]], pb[i * step[2]], yr[i], dyr[i]);
    };
    write_grad_run(gr, step[3], n, assign, local);
  });
}

template <Real T, class Rule>
void binary_backward(Graph<T>& graph, const Node<T>& node) {
  binary_backward_operand<T, Rule, 0>(graph, node);
  binary_backward_operand<T, Rule, 1>(graph, node);
}

template <Real T, class Rule>
const OpInfo<T>& binary_op_info() {
  static constexpr OpInfo<T> info{Rule::name, &binary_forward<T, Rule>, &binary_backward<T, Rule>};
  return info;
}

template <Real T, class Rule>
Var<T> record_binary(Var<T> a, Var<T> b, std::source_location where) {
  Graph<T>& graph = graph_of(Rule::name, a, b);
  const Shape out = broadcast_shapes(Rule::name, graph.value(a.index()).shape(), graph.value(b.index()).shape());
  return graph.finish(graph.begin(binary_op_info<T, Rule>(), {a, b}, out, where));
}

}  // namespace cgrad::detail
