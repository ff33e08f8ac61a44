#include "ops/loss/mse_loss.h"

#include "ops/op_support.h"

namespace cgrad {
namespace {

Reduction reduction_of(const OpParams& params) { return static_cast<Reduction>(params.ints[0]); }

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* px = x.data();
  const T* pt = graph.value(node.inputs[1]).data();
  detail::reduce_terms(reduction_of(node.params), x.size(), node.value.data(), [&](std::size_t i) {
    const T d = px[i] - pt[i];
    return d * d;
  });
}

// d/dx = 2 (x - t) g, d/dt = -2 (x - t) g.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* px = x.data();
  const T* pt = graph.value(node.inputs[1]).data();
  const Reduction reduction = reduction_of(node.params);
  if (GradOut<T> dx = graph.grad_out(node.inputs[0]))
    detail::write_term_grads(dx, reduction, node.output_grad().data(), x.size(),
                             [&](std::size_t i, T g) { return T{2} * (px[i] - pt[i]) * g; });
  if (GradOut<T> dt = graph.grad_out(node.inputs[1]))
    detail::write_term_grads(dt, reduction, node.output_grad().data(), x.size(),
                             [&](std::size_t i, T g) { return T{2} * (pt[i] - px[i]) * g; });
}

}  // namespace

template <Real T>
const OpInfo<T>& mse_loss_op() {
  static constexpr OpInfo<T> info{"MseLoss", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> mse_loss(Var<T> input, Var<T> target, Reduction reduction, std::source_location where) {
  Graph<T>& graph = detail::graph_of("MseLoss", input, target);
  detail::check_reduction("MseLoss", reduction);
  const Shape& si = graph.value(input.index()).shape();
  const Shape& st = graph.value(target.index()).shape();
  if (si != st)
    throw ShapeError(fmt::format("MseLoss: the input is {} but the target is {}; they must have the same shape", si,
                                 st));
  Node<T>& node = graph.begin(mse_loss_op<T>(), {input, target}, detail::loss_shape(reduction, si), where);
  node.params.ints[0] = static_cast<std::int64_t>(reduction);
  return graph.finish(node);
}

template Var<float> mse_loss(Var<float>, Var<float>, Reduction, std::source_location);
template Var<double> mse_loss(Var<double>, Var<double>, Reduction, std::source_location);
template const OpInfo<float>& mse_loss_op();
template const OpInfo<double>& mse_loss_op();

}  // namespace cgrad
