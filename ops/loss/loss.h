#pragma once
// Losses: each reduces to a scalar, or keeps one term per element with Reduction::none.
// Every op of the family is listed in loss_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/loss/softmax_xent.h"
#include "ops/loss/l2_reg.h"
#include "ops/loss/reduction.h"
#include "ops/loss/nll_loss.h"
#include "ops/loss/mse_loss.h"
#include "ops/loss/binary_cross_entropy_with_logits.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> loss_ops();

}  // namespace cgrad
