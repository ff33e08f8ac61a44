#include "ops/shape/stack.h"

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {

// Concat's blocks: each input is one block per row of the axes before the new one.
template <Real T>
const OpInfo<T>& stack_op() {
  static constexpr OpInfo<T> info{"Stack", &detail::join_forward<T>, &detail::join_backward<T>};
  return info;
}

template <Real T>
Var<T> stack(std::span<const Var<T>> values, std::int64_t axis, std::source_location where) {
  if (values.empty()) throw ValueError("Stack: no values given; stack needs at least one");
  Graph<T>& graph = detail::graph_of("Stack", values[0]);
  for (const Var<T>& v : values) graph.check(v, "Stack");
  const Shape& first = graph.value(values[0].index()).shape();
  for (const Var<T>& v : values) {
    const Shape& s = graph.value(v.index()).shape();
    if (s != first)
      throw ShapeError(fmt::format("Stack: every value must have the same shape, got {} and {}", first, s));
  }
  if (first.rank() == kMaxRank)
    throw ShapeError(fmt::format("Stack: {} already has the most dimensions supported ({})", first, kMaxRank));
  const std::size_t a = detail::shape_axis("Stack", axis, first, first.rank() + 1);
  Shape shape;
  for (std::size_t i = 0; i < first.rank(); ++i) {
    if (i == a) shape.push_back(values.size());
    shape.push_back(first[i]);
  }
  if (a == first.rank()) shape.push_back(values.size());
  Node<T>& node = graph.begin(stack_op<T>(), values, shape, where);
  node.params.ints[0] = static_cast<std::int64_t>(a);
  return graph.finish(node);
}

template <Real T>
Var<T> stack(std::initializer_list<Var<T>> values, std::int64_t axis, std::source_location where) {
  return stack(std::span<const Var<T>>(values.begin(), values.size()), axis, where);
}

#define CGRAD_INSTANTIATE(T)                                                                    \
  template Var<T> stack(std::span<const Var<T>>, std::int64_t, std::source_location);           \
  template Var<T> stack(std::initializer_list<Var<T>>, std::int64_t, std::source_location);     \
  template const OpInfo<T>& stack_op();
CGRAD_INSTANTIATE(float)
CGRAD_INSTANTIATE(double)
#undef CGRAD_INSTANTIATE

}  // namespace cgrad
