#pragma once
#include <cstdint>
#include <source_location>
#include <span>

#include "graph/graph.h"
#include "ops/loss/reduction.h"

namespace cgrad {

// The negative log-likelihood of integer labels, as torch.nn.functional.nll_loss:
//   log_probs [N,C], labels: N integers in [0,C)  ->  -log_probs[n, labels[n]] per row,
// reduced by `reduction` (none: [N]; mean: a scalar, NaN for N == 0 as torch; sum: a
// scalar). ShapeError for a log_probs that is not [N,C] or a label count other than N;
// ValueError for a label outside [0,C).
template <Real T>
Var<T> nll_loss(Var<T> log_probs, std::span<const std::int32_t> labels, Reduction reduction = Reduction::mean,
                std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& nll_loss_op();

}  // namespace cgrad
