#pragma once
// Losses that reduce to a scalar.
// Every op of the family is listed in loss_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/loss/softmax_xent.h"
#include "ops/loss/l2_reg.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> loss_ops();

}  // namespace cgrad
