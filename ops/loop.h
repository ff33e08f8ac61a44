#pragma once
// The one loop engine behind every elementwise op, broadcast gradient and reduction.
//
// A Loop walks every element of an "iteration shape" with N operands, each addressed by
// element strides over that shape: an operand of the same shape has its row-major strides,
// one that broadcasts (fewer dimensions, or size 1) has stride 0 along the broadcast axes.
// Adjacent axes are merged wherever every operand allows it, so the common cases are one
// flat loop (same shapes), or a short outer loop around a long contiguous inner one (a
// bias, a reduction over the last axis). for_each_run hands the innermost axis to a kernel
// as (offsets, steps, count), so kernels can specialise the steps 0 and 1 and vectorize.
// The walk is row-major and fixed: reductions through it add in the same order every time.
#include <array>
#include <cstddef>
#include <string_view>

#include "graph/shape.h"

namespace cgrad::detail {

// The shape of a and b broadcast together by NumPy's rules: right-aligned, each pair of
// dimensions equal or one of them 1. Throws "Mul: cannot broadcast [4,3] with [2,3]".
Shape broadcast_shapes(std::string_view op, const Shape& a, const Shape& b);
// Whether `from` broadcasts to exactly `to` (one direction only, as expand does).
bool broadcasts_to(const Shape& from, const Shape& to);
// `shape` with the axes marked in `reduced` kept as size 1 (keepdim) or dropped.
Shape reduced_shape(const Shape& shape, const std::array<bool, kMaxRank>& reduced, bool keepdim);

template <std::size_t N>
struct Loop {
  std::size_t rank = 1;  // after merging: at least 1
  std::array<std::size_t, kMaxRank> sizes{};
  std::array<std::array<std::size_t, kMaxRank>, N> strides{};
  std::size_t size() const {
    std::size_t n = 1;
    for (std::size_t i = 0; i < rank; ++i) n *= sizes[i];
    return n;
  }
};

// Operands must broadcast to `shape` (checked by the op, not here).
template <std::size_t N>
Loop<N> make_loop(const Shape& shape, const std::array<const Shape*, N>& operands) {
  Loop<N> loop;
  // Unmerged strides per axis of `shape`; size-1 axes are skipped (they move nothing).
  std::size_t rank = 0;
  for (std::size_t axis = 0; axis < shape.rank(); ++axis) {
    if (shape[axis] == 1) continue;
    loop.sizes[rank] = shape[axis];
    for (std::size_t k = 0; k < N; ++k) {
      const Shape& operand = *operands[k];
      const std::size_t offset = shape.rank() - operand.rank();  // right alignment
      const bool present = axis >= offset && operand[axis - offset] == shape[axis];
      loop.strides[k][rank] = present ? operand.stride(axis - offset) : 0;
    }
    ++rank;
  }
  if (rank == 0) {  // one element
    loop.rank = 1;
    loop.sizes[0] = 1;
    return loop;
  }
  // Merge axis i into the next one when every operand's stride along i equals a full sweep
  // of the next: then the two axes are one axis of size sizes[i] * sizes[i + 1].
  std::size_t merged = 0;
  for (std::size_t axis = 1; axis < rank; ++axis) {
    bool mergeable = true;
    for (std::size_t k = 0; k < N; ++k)
      mergeable = mergeable && loop.strides[k][merged] == loop.strides[k][axis] * loop.sizes[axis];
    if (mergeable) {
      loop.sizes[merged] *= loop.sizes[axis];
      for (std::size_t k = 0; k < N; ++k) loop.strides[k][merged] = loop.strides[k][axis];
    } else {
      ++merged;
      loop.sizes[merged] = loop.sizes[axis];
      for (std::size_t k = 0; k < N; ++k) loop.strides[k][merged] = loop.strides[k][axis];
    }
  }
  loop.rank = merged + 1;
  return loop;
}

// Calls run(offsets, steps, count) once per innermost run, in row-major order: the run's
// elements are offsets[k] + i * steps[k] of each operand k, for i in [0, count).
template <std::size_t N, class Run>
void for_each_run(const Loop<N>& loop, Run&& run) {
  const std::size_t last = loop.rank - 1;
  const std::size_t count = loop.sizes[last];
  std::size_t outer = 1;
  for (std::size_t axis = 0; axis < last; ++axis) outer *= loop.sizes[axis];
  if (count == 0 || outer == 0) return;
  std::array<std::size_t, N> steps{};
  for (std::size_t k = 0; k < N; ++k) steps[k] = loop.strides[k][last];
  std::array<std::size_t, N> offsets{};
  std::array<std::size_t, kMaxRank> counter{};
  for (std::size_t run_index = 0; run_index < outer; ++run_index) {
    run(offsets, steps, count);
    for (std::size_t axis = last; axis-- > 0;) {  // odometer over the outer axes
      if (++counter[axis] < loop.sizes[axis]) {
        for (std::size_t k = 0; k < N; ++k) offsets[k] += loop.strides[k][axis];
        break;
      }
      counter[axis] = 0;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= loop.strides[k][axis] * (loop.sizes[axis] - 1);
    }
  }
}

// Writes one run of a gradient: g[i * step] (= when assign, else +=) local(i) for i < n.
// A step of 0 means the whole run lands on one element, summed in order: a broadcast
// operand (its buffer zeroed first, assign false), or a one-element loop, where every step
// is 0 and this run is the element's only writer (assign as for any other run).
template <class T, class Local>
void write_grad_run(T* g, std::size_t step, std::size_t n, bool assign, Local local) {
  if (step == 0) {
    T sum{0};
    for (std::size_t i = 0; i < n; ++i) sum += local(i);
    if (assign) {
      *g = sum;
    } else {
      *g += sum;
    }
  } else if (assign) {
    for (std::size_t i = 0; i < n; ++i) g[i] = local(i);
  } else {
    for (std::size_t i = 0; i < n; ++i) g[i] += local(i);
  }
}

}  // namespace cgrad::detail
