#include "ops/shape/permute.h"

#include <array>
#include <span>
#include <utility>

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {
namespace {

// params.ints[0..rank): the input axis of each output axis.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Shape& out = node.value.shape();
  // The output is walked contiguously; the input with its strides in the output's order.
  const std::array<std::size_t, kMaxRank> in_strides = detail::row_major_strides(x.shape());
  std::array<std::size_t, kMaxRank> src{};
  for (std::size_t i = 0; i < out.rank(); ++i) src[i] = in_strides[static_cast<std::size_t>(node.params.ints[i])];
  detail::strided_walk<false>(detail::strided_loop(out.dims(), detail::row_major_strides(out), src),
                              node.value.data(), x.data());
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Shape& in = graph.value(node.inputs[0]).shape();
  // The inverse permutation: dx walked contiguously, dy read through the output's strides.
  const std::array<std::size_t, kMaxRank> out_strides = detail::row_major_strides(node.value.shape());
  std::array<std::size_t, kMaxRank> src{};
  for (std::size_t i = 0; i < in.rank(); ++i) src[static_cast<std::size_t>(node.params.ints[i])] = out_strides[i];
  detail::strided_write(detail::strided_loop(in.dims(), detail::row_major_strides(in), src), dx.tensor->data(),
                        node.output_grad().data(), dx.accumulate);
}

}  // namespace

template <Real T>
const OpInfo<T>& permute_op() {
  static constexpr OpInfo<T> info{"Permute", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> permute(Var<T> x, Axes dims, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Permute", x);
  const Shape& from = graph.value(x.index()).shape();
  if (dims.size() != from.rank())
    throw ShapeError(fmt::format("Permute: {} axes given for a value of shape {} (rank {}); name every axis once",
                                 dims.size(), from, from.rank()));
  OpParams params;
  Shape shape;
  std::array<bool, kMaxRank> seen{};
  for (std::size_t i = 0; i < dims.size(); ++i) {
    const std::size_t axis = detail::shape_axis("Permute", dims[i], from, from.rank());
    if (seen[axis])
      throw ShapeError(fmt::format("Permute: axis {} is named twice for a value of shape {}", dims[i], from));
    seen[axis] = true;
    params.ints[i] = static_cast<std::int64_t>(axis);
    shape.push_back(from[axis]);
  }
  Node<T>& node = graph.begin(permute_op<T>(), {x}, shape, where);
  node.params = params;
  return graph.finish(node);
}

template <Real T>
Var<T> transpose(Var<T> x, std::int64_t d0, std::int64_t d1, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Transpose", x);
  const Shape& from = graph.value(x.index()).shape();
  const std::size_t rank = from.rank();
  // torch: a scalar transposes with dims 0 / -1 to itself.
  const std::size_t a = detail::shape_axis("Transpose", d0, from, rank == 0 ? 1 : rank);
  const std::size_t b = detail::shape_axis("Transpose", d1, from, rank == 0 ? 1 : rank);
  std::array<std::int64_t, kMaxRank> dims{};
  for (std::size_t i = 0; i < rank; ++i) dims[i] = static_cast<std::int64_t>(i);
  if (rank != 0) std::swap(dims[a], dims[b]);
  return permute(x, Axes(std::span<const std::int64_t>(dims.data(), rank)), where);
}

template Var<float> permute(Var<float>, Axes, std::source_location);
template Var<double> permute(Var<double>, Axes, std::source_location);
template Var<float> transpose(Var<float>, std::int64_t, std::int64_t, std::source_location);
template Var<double> transpose(Var<double>, std::int64_t, std::int64_t, std::source_location);
template const OpInfo<float>& permute_op();
template const OpInfo<double>& permute_op();

}  // namespace cgrad
