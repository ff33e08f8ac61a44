#pragma once
// Reductions over axes (sum, mean, max, min, logsumexp) and the softmaxes along an axis.
// Every op of the family is listed in reduce_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"


namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> reduce_ops();

}  // namespace cgrad
