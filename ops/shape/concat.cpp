#include "ops/shape/concat.h"

#include "ops/op_support.h"
#include "ops/shape/shape_support.h"

namespace cgrad {

template <Real T>
const OpInfo<T>& concat_op() {
  static constexpr OpInfo<T> info{"Concat", &detail::join_forward<T>, &detail::join_backward<T>};
  return info;
}

template <Real T>
Var<T> concat(std::span<const Var<T>> values, std::int64_t axis, std::source_location where) {
  if (values.empty()) throw ValueError("Concat: no values given; concat needs at least one");
  Graph<T>& graph = detail::graph_of("Concat", values[0]);
  for (const Var<T>& v : values) graph.check(v, "Concat");
  const Shape& first = graph.value(values[0].index()).shape();
  if (first.rank() == 0)
    throw ShapeError("Concat: a rank-0 value cannot be concatenated; unsqueeze it or use stack");
  const std::size_t a = detail::shape_axis("Concat", axis, first, first.rank());
  Shape shape = first;
  shape[a] = 0;
  for (const Var<T>& v : values) {
    const Shape& s = graph.value(v.index()).shape();
    bool same = s.rank() == first.rank();
    for (std::size_t i = 0; same && i < s.rank(); ++i) same = i == a || s[i] == first[i];
    if (!same)
      throw ShapeError(fmt::format("Concat: cannot concatenate {} with {} along axis {}: the other dimensions differ",
                                   first, s, axis));
    shape[a] += s[a];
  }
  Node<T>& node = graph.begin(concat_op<T>(), values, shape, where);
  node.params.ints[0] = static_cast<std::int64_t>(a);
  return graph.finish(node);
}

template <Real T>
Var<T> concat(std::initializer_list<Var<T>> values, std::int64_t axis, std::source_location where) {
  return concat(std::span<const Var<T>>(values.begin(), values.size()), axis, where);
}

#define CGRAD_INSTANTIATE(T)                                                                     \
  template Var<T> concat(std::span<const Var<T>>, std::int64_t, std::source_location);           \
  template Var<T> concat(std::initializer_list<Var<T>>, std::int64_t, std::source_location);     \
  template const OpInfo<T>& concat_op();
CGRAD_INSTANTIATE(float)
CGRAD_INSTANTIATE(double)
#undef CGRAD_INSTANTIATE

}  // namespace cgrad
