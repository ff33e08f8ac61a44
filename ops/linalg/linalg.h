#pragma once
// Linear algebra: the batched matrix product.
// Every op of the family is listed in linalg_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/linalg/matmul.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> linalg_ops();

}  // namespace cgrad
