#include "ops/shape/slice.h"

#include <algorithm>
#include <array>
#include <utility>

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {
namespace {

// params.ints: [0] the axis, [1] the first index taken, [2] the step.
// The walk over the output: contiguous in the output, in the input the slice's axis
// strides by `step` rows from row `begin`. Returns the input's offset of the first element.
std::size_t slice_loop(const OpParams& p, const Shape& in, const Shape& out, detail::Loop<2>& loop) {
  const auto axis = static_cast<std::size_t>(p.ints[0]);
  std::array<std::size_t, kMaxRank> src = detail::row_major_strides(in);
  const std::size_t start = static_cast<std::size_t>(p.ints[1]) * src[axis];
  src[axis] *= static_cast<std::size_t>(p.ints[2]);
  loop = detail::strided_loop(out.dims(), detail::row_major_strides(out), src);
  return start;
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  if (node.value.size() == 0) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  detail::Loop<2> loop;
  const std::size_t start = slice_loop(node.params, x.shape(), node.value.shape(), loop);
  detail::strided_walk<false>(loop, node.value.data(), x.data() + start);
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  // Elements the slice skipped get no gradient: zero them first unless adding.
  if (!dx.accumulate) dx.tensor->fill(T{0});
  if (node.value.size() == 0) return;
  // The same walk with the roles swapped: dy is the contiguous operand.
  detail::Loop<2> loop;
  const std::size_t start = slice_loop(node.params, dx.tensor->shape(), node.value.shape(), loop);
  std::swap(loop.strides[0], loop.strides[1]);
  detail::strided_walk<true>(loop, dx.tensor->data() + start, node.output_grad().data());
}

}  // namespace

template <Real T>
const OpInfo<T>& slice_op() {
  static constexpr OpInfo<T> info{"Slice", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> slice(Var<T> x, std::int64_t axis, std::int64_t begin, std::int64_t end, std::int64_t step,
             std::source_location where) {
  Graph<T>& graph = detail::graph_of("Slice", x);
  const Shape& from = graph.value(x.index()).shape();
  const std::size_t a = detail::shape_axis("Slice", axis, from, from.rank());
  if (step < 1)
    throw ValueError(
        fmt::format("Slice: step must be at least 1, got {} (slicing {} along axis {})", step, from, axis));
  const auto dim = static_cast<std::int64_t>(from[a]);
  // Python's rules: negative counts from the end, then clamped into [0, dim].
  auto clamp = [dim](std::int64_t i) { return std::clamp(i < 0 ? i + dim : i, std::int64_t{0}, dim); };
  const std::int64_t first = clamp(begin), last = clamp(end);
  const std::int64_t count = last > first ? (last - first - 1) / step + 1 : 0;
  Shape shape = from;
  shape[a] = static_cast<std::size_t>(count);
  Node<T>& node = graph.begin(slice_op<T>(), {x}, shape, where);
  node.params.ints[0] = static_cast<std::int64_t>(a);
  node.params.ints[1] = first;
  node.params.ints[2] = step;
  return graph.finish(node);
}

template Var<float> slice(Var<float>, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::source_location);
template Var<double> slice(Var<double>, std::int64_t, std::int64_t, std::int64_t, std::int64_t, std::source_location);
template const OpInfo<float>& slice_op();
template const OpInfo<double>& slice_op();

}  // namespace cgrad
