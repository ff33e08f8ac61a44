#pragma once
#include <cstdint>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// The slices of x at `indices` along `axis` (negative counts from the end), in the order
// given, as torch.index_select: the output is x's shape with that axis's size replaced by
// indices.size(). Indices may repeat or be empty; each must be in [0, size of the axis)
// (ValueError otherwise). The gradient adds the output's slices back at their indices, in
// index order, so repeated indices sum deterministically.
template <Real T>
Var<T> index_select(Var<T> x, std::int64_t axis, std::span<const std::int64_t> indices,
                    std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& index_select_op();

}  // namespace cgrad
