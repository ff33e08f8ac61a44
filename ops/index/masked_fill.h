#pragma once
#include <cstdint>
#include <source_location>
#include <span>
#include <type_traits>

#include "graph/graph.h"

namespace cgrad {

// x with `value` wherever the mask is true (non-zero byte), as torch.Tensor.masked_fill.
// The mask is a constant of `mask_shape` (row-major bytes) that broadcasts to x's shape
// (one direction only: the output has x's shape). The gradient is zero where filled.
template <Real T>
Var<T> masked_fill(Var<T> x, std::span<const std::uint8_t> mask, const Shape& mask_shape, std::type_identity_t<T> value,
                   std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& masked_fill_op();

}  // namespace cgrad
