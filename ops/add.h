#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// a + b for two values of the same shape.
template <Real T>
Var<T> add(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
Var<T> operator+(Var<T> a, Var<T> b) {
  return add(a, b, std::source_location::current());
}

template <Real T>
const OpInfo<T>& add_op();

}  // namespace cgrad
