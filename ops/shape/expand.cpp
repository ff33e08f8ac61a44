#include "ops/shape/expand.h"

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Shape& out = node.value.shape();
  detail::strided_walk<false>(detail::make_loop<2>(out, {&out, &x.shape()}), node.value.data(), x.data());
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  if (!dx.accumulate) dx.tensor->fill(T{0});
  const Shape& out = node.value.shape();
  // The output's walk with the roles swapped: dx (stride 0 along the broadcast axes)
  // gathers the sum of dy, in the walk's fixed row-major order.
  detail::Loop<2> loop = detail::make_loop<2>(out, {&dx.tensor->shape(), &out});
  detail::strided_walk<true>(loop, dx.tensor->data(), node.output_grad().data());
}

}  // namespace

template <Real T>
const OpInfo<T>& expand_op() {
  static constexpr OpInfo<T> info{"Expand", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> expand(Var<T> x, const Shape& shape, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Expand", x);
  const Shape& from = graph.value(x.index()).shape();
  if (!detail::broadcasts_to(from, shape))
    throw ShapeError(fmt::format("Expand: cannot expand {} to {}", from, shape));
  Node<T>& node = graph.begin(expand_op<T>(), {x}, shape, where);
  node.params.shape = shape;
  return graph.finish(node);
}

template Var<float> expand(Var<float>, const Shape&, std::source_location);
template Var<double> expand(Var<double>, const Shape&, std::source_location);
template const OpInfo<float>& expand_op();
template const OpInfo<double>& expand_op();

}  // namespace cgrad
