#pragma once
#include <source_location>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// log(1 + exp(beta * x)) / beta elementwise, and x itself where beta * x > threshold
// (torch.nn.functional.softplus). beta must be finite and nonzero, threshold not NaN.
// Computed without overflow for any beta * x.
template <Real T>
Var<T> softplus(Var<T> x, std::type_identity_t<T> beta = 1, std::type_identity_t<T> threshold = 20,
                std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& softplus_op();

}  // namespace cgrad
