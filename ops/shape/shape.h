#pragma once
// Ops that move elements without arithmetic: reshape, transpose, slice, concat and the like.
// Every op of the family is listed in shape_ops(); ops/registry.h gathers the families.
// Values are contiguous (as in DyNet), so each of them copies.
#include <span>

#include "graph/graph.h"
#include "ops/shape/concat.h"
#include "ops/shape/detach.h"
#include "ops/shape/expand.h"
#include "ops/shape/permute.h"
#include "ops/shape/reshape.h"
#include "ops/shape/slice.h"
#include "ops/shape/stack.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> shape_ops();

}  // namespace cgrad
