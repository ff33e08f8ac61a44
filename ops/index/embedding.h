#pragma once
#include <cstdint>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// Rows of an embedding table, as torch.nn.functional.embedding: weight [num, dim] and
// integer indices in [0, num) laid out as `index_shape` (any rank up to 7) -> index_shape +
// [dim]. cgrad has no integer tensors, so the indices come as a span plus their shape;
// indices.size() must equal index_shape's element count (ShapeError otherwise), an index
// outside [0, num) is a ValueError. The gradient adds each output row back into its
// weight row, in index order.
template <Real T>
Var<T> embedding(Var<T> weight, std::span<const std::int64_t> indices, const Shape& index_shape,
                 std::source_location where = std::source_location::current());

// The same with 1-D indices: [indices.size()] -> [indices.size(), dim].
template <Real T>
Var<T> embedding(Var<T> weight, std::span<const std::int64_t> indices,
                 std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& embedding_op();

}  // namespace cgrad
