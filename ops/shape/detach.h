#pragma once
#include <source_location>

#include "graph/graph.h"

namespace cgrad {

// A copy of x's value that carries no gradient (torch.detach): backward stops here.
template <Real T>
Var<T> detach(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& detach_op();

}  // namespace cgrad
