#pragma once
// What the index family shares: picking slices of a value by integer indices (IndexSelect,
// Embedding) and the scatter-add that is its gradient; constant masks kept in a node's
// `indices` (Where, MaskedFill) and the gradient that passes where a mask holds.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "ops/loop.h"
#include "ops/op_support.h"

namespace cgrad::detail {

// The position of the first index outside [0, size), or indices.size() when all are in
// range. Ops format their own message from it (only on the error path: no allocation).
inline std::size_t first_bad_index(std::span<const std::int64_t> indices, std::size_t size) {
  for (std::size_t i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || static_cast<std::uint64_t>(indices[i]) >= size) return i;
  return indices.size();
}

// A value seen as [outer, size, inner] (the axis indexed in the middle); the result as
// [outer, count, inner] with result[o, j, :] = x[o, indices[j], :]. Indices are checked.
template <Real T>
void gather_slices(const T* x, T* y, std::size_t outer, std::size_t size, std::size_t inner,
                   std::span<const std::int64_t> indices) {
  const std::size_t count = indices.size();
  for (std::size_t o = 0; o < outer; ++o) {
    const T* xo = x + o * size * inner;
    T* yo = y + o * count * inner;
    for (std::size_t j = 0; j < count; ++j) {
      const T* from = xo + static_cast<std::size_t>(indices[j]) * inner;
      T* to = yo + j * inner;
      for (std::size_t k = 0; k < inner; ++k) to[k] = from[k];
    }
  }
}

// The gradient of gather_slices: dx[o, indices[j], :] += dy[o, j, :], in the order of j
// (a repeated index adds up in a fixed order). Slices no index names get zero.
template <Real T>
void scatter_add_slices(GradOut<T> out, const T* dy, std::size_t outer, std::size_t size, std::size_t inner,
                        std::span<const std::int64_t> indices) {
  if (!out.accumulate) out.tensor->fill(T{0});
  T* dx = out.tensor->data();
  const std::size_t count = indices.size();
  for (std::size_t o = 0; o < outer; ++o) {
    T* dxo = dx + o * size * inner;
    const T* dyo = dy + o * count * inner;
    for (std::size_t j = 0; j < count; ++j) {
      T* to = dxo + static_cast<std::size_t>(indices[j]) * inner;
      const T* from = dyo + j * inner;
      for (std::size_t k = 0; k < inner; ++k) to[k] += from[k];
    }
  }
}

// A constant mask kept in a node: one int64 per byte, 0 or 1. node.indices keeps its
// capacity, so a steady training step allocates nothing here.
inline void store_mask(std::vector<std::int64_t>& kept, std::span<const std::uint8_t> mask) {
  kept.resize(mask.size());
  for (std::size_t i = 0; i < mask.size(); ++i) kept[i] = mask[i] != 0 ? 1 : 0;
}

// The gradient that a selection passes to one of its operands: dy where the mask is
// `pass_when` (1 or 0), zero elsewhere, summed over the axes along which the operand
// (`mine`) was broadcast to the output. The mask broadcasts to the output too.
template <Real T>
void write_masked_grad(GradOut<T> out, const Shape& out_shape, const Shape& mask_shape, const std::int64_t* mask,
                       const Shape& mine, const T* dy, std::int64_t pass_when) {
  T* g = out.tensor->data();
  const bool broadcast = mine != out_shape;
  if (broadcast && !out.accumulate) out.tensor->fill(T{0});
  const bool assign = !broadcast && !out.accumulate;
  const auto loop = make_loop<3>(out_shape, {&out_shape, &mask_shape, &mine});
  for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    const T* dyr = dy + offset[0];
    const std::int64_t* m = mask + offset[1];
    T* gr = g + offset[2];
    const std::size_t sm = step[1];
    auto local = [&](std::size_t i) { return m[i * sm] == pass_when ? dyr[i] : T{0}; };
    write_grad_run(gr, step[2], n, assign, local);
  });
}

}  // namespace cgrad::detail
