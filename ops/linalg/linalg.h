#pragma once
// Linear algebra: the batched matrix product, and the Linear layer's product and bias
// (with its ReLU fused, for hidden layers).
// Every op of the family is listed in linalg_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/linalg/affine.h"
#include "ops/linalg/affine_relu.h"
#include "ops/linalg/matmul.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> linalg_ops();

}  // namespace cgrad
