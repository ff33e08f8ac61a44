#pragma once
// Ops that move elements without arithmetic: reshape, transpose, slice, concat and the like.
// Every op of the family is listed in shape_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"


namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> shape_ops();

}  // namespace cgrad
