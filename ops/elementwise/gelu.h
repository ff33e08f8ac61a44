#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x * Phi(x), Phi the standard normal distribution function, in its exact erf form
// (torch.nn.functional.gelu's default, approximate="none").
template <Real T>
Var<T> gelu(Var<T> x, std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& gelu_op();

}  // namespace cgrad
