#include "ops/index/index_select.h"

#include "ops/index/index_support.h"

namespace cgrad {
namespace {

// x seen as [outer, size, inner] around the selected axis (params.ints[0]).
struct Split {
  std::size_t outer = 1, size = 1, inner = 1;
};

Split split(const Shape& shape, std::size_t axis) {
  Split s;
  for (std::size_t i = 0; i < axis; ++i) s.outer *= shape[i];
  s.size = shape[axis];
  s.inner = shape.stride(axis);
  return s;
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Split s = split(x.shape(), static_cast<std::size_t>(node.params.ints[0]));
  detail::gather_slices(x.data(), node.value.data(), s.outer, s.size, s.inner, node.indices);
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Split s = split(graph.value(node.inputs[0]).shape(), static_cast<std::size_t>(node.params.ints[0]));
  detail::scatter_add_slices(dx, node.output_grad().data(), s.outer, s.size, s.inner, node.indices);
}

}  // namespace

template <Real T>
const OpInfo<T>& index_select_op() {
  static constexpr OpInfo<T> info{"IndexSelect", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> index_select(Var<T> x, std::int64_t axis, std::span<const std::int64_t> indices, std::source_location where) {
  Graph<T>& graph = detail::graph_of("IndexSelect", x);
  const Shape& shape = graph.value(x.index()).shape();
  const std::size_t a = normalize_axis("IndexSelect", axis, shape.rank());
  if (const std::size_t bad = detail::first_bad_index(indices, shape[a]); bad < indices.size())
    throw ValueError(fmt::format("IndexSelect: index {} (position {}) is out of range for axis {} of size {} (input {})",
                                 indices[bad], bad, axis, shape[a], shape));
  Shape out = shape;
  out[a] = indices.size();
  Node<T>& node = graph.begin(index_select_op<T>(), {x}, out, where);
  node.params.ints[0] = static_cast<std::int64_t>(a);
  node.indices.assign(indices.begin(), indices.end());
  return graph.finish(node);
}

template Var<float> index_select(Var<float>, std::int64_t, std::span<const std::int64_t>, std::source_location);
template Var<double> index_select(Var<double>, std::int64_t, std::span<const std::int64_t>, std::source_location);
template const OpInfo<float>& index_select_op();
template const OpInfo<double>& index_select_op();

}  // namespace cgrad
