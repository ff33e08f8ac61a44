#pragma once
#include <cstdint>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// Elementwise selection, as torch.where(condition, a, b): a where the condition is true
// (non-zero byte), b elsewhere. The condition is a constant mask of `condition_shape`
// (row-major bytes; not differentiable); condition, a and b broadcast together by NumPy's
// rules. The gradient flows to a where the condition holds and to b elsewhere, summed over
// the axes along which each was broadcast.
template <Real T>
Var<T> where(std::span<const std::uint8_t> condition, const Shape& condition_shape, Var<T> a, Var<T> b,
             std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& where_op();

}  // namespace cgrad
