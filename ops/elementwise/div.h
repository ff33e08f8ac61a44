#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// a / b elementwise, broadcasting. d/db = -a/b^2 = -y/b.
template <Real T>
Var<T> div(Var<T> a, Var<T> b, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& div_op();

}  // namespace cgrad
