#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/loss/reduction.h"

namespace cgrad {

// The binary cross-entropy of sigmoid(logits) against targets, as
// torch.nn.functional.binary_cross_entropy_with_logits, in the stable form
//   max(x, 0) - x * t + log1p(exp(-|x|))
// elementwise, reduced by `reduction` (none: the logits' shape; mean, sum: a scalar).
// logits and targets must have the same shape (ShapeError); both get gradients:
// d/dx = sigmoid(x) - t, d/dt = -x. A NaN logit gives NaN, forward and backward.
template <Real T>
Var<T> binary_cross_entropy_with_logits(Var<T> logits, Var<T> targets, Reduction reduction = Reduction::mean,
                                        std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& binary_cross_entropy_with_logits_op();

}  // namespace cgrad
