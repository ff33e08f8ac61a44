#include "ops/index/where.h"

#include "ops/index/index_support.h"

namespace cgrad {
namespace {

// The condition is in node.indices (one int64 per element), its shape in params.shape.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  const Shape& out = node.value.shape();
  const auto loop = detail::make_loop<4>(out, {&out, &node.params.shape, &a.shape(), &b.shape()});
  detail::for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    T* y = node.value.data() + offset[0];
    const std::int64_t* c = node.indices.data() + offset[1];
    const T* pa = a.data() + offset[2];
    const T* pb = b.data() + offset[3];
    if (step[1] == 1 && step[2] == 1 && step[3] == 1) {  // no broadcasting in this run: vectorizes
      for (std::size_t i = 0; i < n; ++i) y[i] = c[i] != 0 ? pa[i] : pb[i];
    } else {
      for (std::size_t i = 0; i < n; ++i) y[i] = c[i * step[1]] != 0 ? pa[i * step[2]] : pb[i * step[3]];
    }
  });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Shape& out = node.value.shape();
  if (GradOut<T> da = graph.grad_out(node.inputs[0]))
    detail::write_masked_grad(da, out, node.params.shape, node.indices.data(), graph.value(node.inputs[0]).shape(),
                              node.output_grad().data(), 1);
  if (GradOut<T> db = graph.grad_out(node.inputs[1]))
    detail::write_masked_grad(db, out, node.params.shape, node.indices.data(), graph.value(node.inputs[1]).shape(),
                              node.output_grad().data(), 0);
}

}  // namespace

template <Real T>
const OpInfo<T>& where_op() {
  static constexpr OpInfo<T> info{"Where", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> where(std::span<const std::uint8_t> condition, const Shape& condition_shape, Var<T> a, Var<T> b,
             std::source_location where) {
  Graph<T>& graph = detail::graph_of("Where", a, b);
  if (condition.size() != condition_shape.size())
    throw ShapeError(fmt::format("Where: {} condition values cannot fill the condition shape {} ({} elements)",
                                 condition.size(), condition_shape, condition_shape.size()));
  const Shape& sa = graph.value(a.index()).shape();
  const Shape& sb = graph.value(b.index()).shape();
  Shape out;
  try {
    out = detail::broadcast_shapes("Where", condition_shape, detail::broadcast_shapes("Where", sa, sb));
  } catch (const ShapeError&) {  // name all three shapes, not an intermediate one
    throw ShapeError(fmt::format("Where: cannot broadcast the condition {}, a {} and b {} together", condition_shape,
                                 sa, sb));
  }
  Node<T>& node = graph.begin(where_op<T>(), {a, b}, out, where);
  node.params.shape = condition_shape;
  detail::store_mask(node.indices, condition);
  return graph.finish(node);
}

template Var<float> where(std::span<const std::uint8_t>, const Shape&, Var<float>, Var<float>, std::source_location);
template Var<double> where(std::span<const std::uint8_t>, const Shape&, Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& where_op();
template const OpInfo<double>& where_op();

}  // namespace cgrad
