#include "ops/shape/reshape.h"

#include <cstring>
#include <string>

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  if (x.size() != 0) std::memcpy(node.value.data(), x.data(), x.size() * sizeof(T));
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) detail::pass_grad(dx, node.output_grad());
}

std::string list_of(std::span<const std::int64_t> dims) {
  std::string s = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) s += fmt::format("{}{}", i == 0 ? "" : ",", dims[i]);
  return s + "]";
}

// Records Reshape of x to `shape`, which has x's element count (checked by the callers).
template <Real T>
Var<T> record(Graph<T>& graph, Var<T> x, const Shape& shape, std::source_location where) {
  Node<T>& node = graph.begin(reshape_op<T>(), {x}, shape, where);
  node.params.shape = shape;
  return graph.finish(node);
}

}  // namespace

template <Real T>
const OpInfo<T>& reshape_op() {
  static constexpr OpInfo<T> info{"Reshape", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> reshape(Var<T> x, std::span<const std::int64_t> dims, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Reshape", x);
  const Shape& from = graph.value(x.index()).shape();
  const std::size_t count = from.size();
  if (dims.size() > kMaxRank)
    throw ShapeError(fmt::format("Reshape: {} dimensions given; at most {} are supported", dims.size(), kMaxRank));
  auto refuse = [&] {
    return ShapeError(fmt::format("Reshape: cannot reshape {} ({} elements) into {}", from, count, list_of(dims)));
  };
  std::size_t inferred = dims.size();  // the -1's axis, if any
  std::size_t known = 1;
  for (std::size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == -1) {
      if (inferred != dims.size())
        throw ShapeError(fmt::format("Reshape: only one dimension can be -1, got {}", list_of(dims)));
      inferred = i;
    } else if (dims[i] < 0) {
      throw ShapeError(fmt::format("Reshape: invalid dimension {} in {}", dims[i], list_of(dims)));
    } else if (__builtin_mul_overflow(known, static_cast<std::size_t>(dims[i]), &known)) {
      throw refuse();
    }
  }
  Shape shape;
  for (std::int64_t d : dims) shape.push_back(d < 0 ? 0 : static_cast<std::size_t>(d));
  if (inferred != dims.size()) {
    // As torch: with no other element to divide by (a zero among the others) -1 is ambiguous.
    if (known == 0 || count % known != 0) throw refuse();
    shape[inferred] = count / known;
  } else if (known != count) {
    throw refuse();
  }
  return record(graph, x, shape, where);
}

template <Real T>
Var<T> reshape(Var<T> x, std::initializer_list<std::int64_t> dims, std::source_location where) {
  return reshape(x, std::span<const std::int64_t>(dims.begin(), dims.size()), where);
}

template <Real T>
Var<T> reshape(Var<T> x, const Shape& shape, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Reshape", x);
  const Shape& from = graph.value(x.index()).shape();
  if (shape.size() != from.size())
    throw ShapeError(fmt::format("Reshape: cannot reshape {} ({} elements) into {}", from, from.size(), shape));
  return record(graph, x, shape, where);
}

template <Real T>
Var<T> flatten(Var<T> x, std::int64_t start_dim, std::int64_t end_dim, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Flatten", x);
  const Shape& from = graph.value(x.index()).shape();
  if (from.rank() == 0) {  // torch: a scalar flattens to one element, with dims 0 or -1
    detail::shape_axis("Flatten", start_dim, from, 1);
    detail::shape_axis("Flatten", end_dim, from, 1);
    return record(graph, x, Shape{1}, where);
  }
  const std::size_t start = detail::shape_axis("Flatten", start_dim, from, from.rank());
  const std::size_t end = detail::shape_axis("Flatten", end_dim, from, from.rank());
  if (start > end)
    throw ShapeError(fmt::format("Flatten: start_dim {} comes after end_dim {} for {}", start_dim, end_dim, from));
  Shape shape;
  for (std::size_t axis = 0; axis < start; ++axis) shape.push_back(from[axis]);
  std::size_t merged = 1;
  for (std::size_t axis = start; axis <= end; ++axis) merged *= from[axis];
  shape.push_back(merged);
  for (std::size_t axis = end + 1; axis < from.rank(); ++axis) shape.push_back(from[axis]);
  return record(graph, x, shape, where);
}

template <Real T>
Var<T> squeeze(Var<T> x, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Squeeze", x);
  const Shape& from = graph.value(x.index()).shape();
  Shape shape;
  for (std::size_t d : from.dims())
    if (d != 1) shape.push_back(d);
  return record(graph, x, shape, where);
}

template <Real T>
Var<T> squeeze(Var<T> x, std::int64_t axis, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Squeeze", x);
  const Shape& from = graph.value(x.index()).shape();
  if (from.rank() == 0) {  // torch accepts 0 and -1 on a scalar
    detail::shape_axis("Squeeze", axis, from, 1);
    return record(graph, x, from, where);
  }
  const std::size_t dropped = detail::shape_axis("Squeeze", axis, from, from.rank());
  Shape shape;
  for (std::size_t i = 0; i < from.rank(); ++i)
    if (i != dropped || from[i] != 1) shape.push_back(from[i]);
  return record(graph, x, shape, where);
}

template <Real T>
Var<T> unsqueeze(Var<T> x, std::int64_t axis, std::source_location where) {
  Graph<T>& graph = detail::graph_of("Unsqueeze", x);
  const Shape& from = graph.value(x.index()).shape();
  if (from.rank() == kMaxRank)
    throw ShapeError(fmt::format("Unsqueeze: {} already has the most dimensions supported ({})", from, kMaxRank));
  const std::size_t inserted = detail::shape_axis("Unsqueeze", axis, from, from.rank() + 1);
  Shape shape;
  for (std::size_t i = 0; i < from.rank(); ++i) {
    if (i == inserted) shape.push_back(1);
    shape.push_back(from[i]);
  }
  if (inserted == from.rank()) shape.push_back(1);
  return record(graph, x, shape, where);
}

#define CGRAD_INSTANTIATE(T)                                                                       \
  template Var<T> reshape(Var<T>, std::initializer_list<std::int64_t>, std::source_location);      \
  template Var<T> reshape(Var<T>, std::span<const std::int64_t>, std::source_location);            \
  template Var<T> reshape(Var<T>, const Shape&, std::source_location);                             \
  template Var<T> flatten(Var<T>, std::int64_t, std::int64_t, std::source_location);               \
  template Var<T> squeeze(Var<T>, std::source_location);                                           \
  template Var<T> squeeze(Var<T>, std::int64_t, std::source_location);                             \
  template Var<T> unsqueeze(Var<T>, std::int64_t, std::source_location);                           \
  template const OpInfo<T>& reshape_op();
CGRAD_INSTANTIATE(float)
CGRAD_INSTANTIATE(double)
#undef CGRAD_INSTANTIATE

}  // namespace cgrad
