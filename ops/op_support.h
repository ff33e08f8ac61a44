#pragma once
// What every op shares: finding the graph its operands live in (with the checks that
// give misuse a clear message) and writing a gradient that is either the first
// contribution of a backward pass (overwrite) or a later one (add).
#include <string_view>

#include "graph/graph.h"

namespace cgrad::detail {

template <Real T>
Graph<T>& graph_of(std::string_view op, Var<T> a) {
  if (a.graph() == nullptr)
    throw GraphError(fmt::format("{}: an operand refers to no graph (default-constructed Var)", op));
  a.graph()->check(a, op);
  return *a.graph();
}

template <Real T>
Graph<T>& graph_of(std::string_view op, Var<T> a, Var<T> b) {
  Graph<T>& graph = graph_of(op, a);
  graph.check(b, op);
  return graph;
}

// out (= or +=) value_at(i) for every element i.
template <Real T, class ValueAt>
void write_grad(GradOut<T> out, ValueAt value_at) {
  T* grad = out.tensor->data();
  const std::size_t n = out.tensor->size();
  if (out.accumulate) {
    for (std::size_t i = 0; i < n; ++i) grad[i] += value_at(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) grad[i] = value_at(i);
  }
}

}  // namespace cgrad::detail
