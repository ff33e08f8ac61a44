#pragma once
// Reductions over axes (sum, mean, max, min, logsumexp) and the softmaxes along an axis.
// Every op of the family is listed in reduce_ops(); ops/registry.h gathers the families.
#include <span>

#include "graph/graph.h"
#include "ops/reduce/sum.h"
#include "ops/reduce/mean.h"
#include "ops/reduce/max.h"
#include "ops/reduce/min.h"
#include "ops/reduce/logsumexp.h"
#include "ops/reduce/softmax.h"
#include "ops/reduce/log_softmax.h"

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> reduce_ops();

}  // namespace cgrad
