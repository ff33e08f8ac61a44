#pragma once
#include <source_location>

#include "graph/graph.h"
#include "ops/loss/reduction.h"

namespace cgrad {

// The squared error (input - target)^2 elementwise, reduced by `reduction`, as
// torch.nn.functional.mse_loss (none: the input's shape; mean, sum: a scalar; mean of no
// elements is NaN, as torch). input and target must have the same shape (ShapeError);
// both get gradients.
template <Real T>
Var<T> mse_loss(Var<T> input, Var<T> target, Reduction reduction = Reduction::mean,
                std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& mse_loss_op();

}  // namespace cgrad
