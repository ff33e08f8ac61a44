#pragma once
// What the shape ops share: one strided walk that copies (or adds) elements between two
// layouts of the same iteration shape, and the block copies behind Concat and Stack.
//
// Permute, transpose and slice are the strided walk: the output is walked contiguously
// while the input is addressed with its own strides rearranged (permuted axes, a slice's
// step and start). Expand is the walk with stride 0 along the broadcast axes, and its
// backward the same walk the other way round, adding. The walk is the loop engine's
// (ops/loop.h): size-1 axes dropped, adjacent axes merged where both layouts allow, the
// innermost axis handed over as a run whose steps are specialised (1, 0, other).
#include <array>
#include <cstddef>
#include <cstring>
#include <span>
#include <string_view>

#include "graph/graph.h"
#include "ops/loop.h"

namespace cgrad::detail {

// An axis argument (negative counts from the end) made an index in [0, rank); throws
// ShapeError naming the op and the operand's shape when it is out of range. `rank` is
// the range's (one more than the shape's for an axis to insert).
inline std::size_t shape_axis(std::string_view op, std::int64_t axis, const Shape& shape, std::size_t rank) {
  const auto r = static_cast<std::int64_t>(rank);
  if (axis < -r || axis >= r)
    throw ShapeError(fmt::format("{}: axis {} is out of range for {} (valid: {} to {})", op, axis, shape, -r, r - 1));
  return static_cast<std::size_t>(axis < 0 ? axis + r : axis);
}

// A Loop<2> over `sizes`, operand 0 the destination and 1 the source, each addressed by
// the given element strides (one per axis of sizes). Size-1 axes are skipped and adjacent
// axes merged where both strides allow, as make_loop does for row-major operands.
inline Loop<2> strided_loop(std::span<const std::size_t> sizes, const std::array<std::size_t, kMaxRank>& dst,
                            const std::array<std::size_t, kMaxRank>& src) {
  Loop<2> loop;
  std::size_t rank = 0;
  for (std::size_t axis = 0; axis < sizes.size(); ++axis) {
    if (sizes[axis] == 1) continue;
    loop.sizes[rank] = sizes[axis];
    loop.strides[0][rank] = dst[axis];
    loop.strides[1][rank] = src[axis];
    ++rank;
  }
  if (rank == 0) {
    loop.rank = 1;
    loop.sizes[0] = 1;
    return loop;
  }
  std::size_t merged = 0;
  for (std::size_t axis = 1; axis < rank; ++axis) {
    const bool mergeable = loop.strides[0][merged] == loop.strides[0][axis] * loop.sizes[axis] &&
                           loop.strides[1][merged] == loop.strides[1][axis] * loop.sizes[axis];
    if (mergeable) {
      loop.sizes[merged] *= loop.sizes[axis];
    } else {
      ++merged;
      loop.sizes[merged] = loop.sizes[axis];
    }
    loop.strides[0][merged] = loop.strides[0][axis];
    loop.strides[1][merged] = loop.strides[1][axis];
  }
  loop.rank = merged + 1;
  return loop;
}

// The row-major strides of `shape`, one per axis.
inline std::array<std::size_t, kMaxRank> row_major_strides(const Shape& shape) {
  std::array<std::size_t, kMaxRank> strides{};
  std::size_t stride = 1;
  for (std::size_t axis = shape.rank(); axis-- > 0;) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

// dst[offsets of operand 0] = (or +=) src[offsets of operand 1] over the loop, in its
// fixed row-major order. A destination step of 0 (a sum over broadcast axes) adds the
// run in order into one element, so the result does not depend on anything but the data.
template <bool Add, Real T>
void strided_walk(const Loop<2>& loop, T* dst, const T* src) {
  for_each_run(loop, [&](const auto& offset, const auto& step, std::size_t n) {
    T* d = dst + offset[0];
    const T* s = src + offset[1];
    const std::size_t ds = step[0], ss = step[1];
    if (ds == 1 && ss == 1) {
      if constexpr (Add) {
        for (std::size_t i = 0; i < n; ++i) d[i] += s[i];
      } else {
        std::memcpy(d, s, n * sizeof(T));
      }
    } else if (ds == 1 && ss == 0) {
      const T v = s[0];
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (Add) {
          d[i] += v;
        } else {
          d[i] = v;
        }
      }
    } else if (ds == 0) {  // a sum over the run; copying, a one-element loop (make_loop's strides are 0 there)
      if constexpr (Add) {
        T sum = d[0];
        for (std::size_t i = 0; i < n; ++i) sum += s[i * ss];
        d[0] = sum;
      } else {
        d[0] = s[(n - 1) * ss];
      }
    } else if (ds == 1) {  // a gather
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (Add) {
          d[i] += s[i * ss];
        } else {
          d[i] = s[i * ss];
        }
      }
    } else if (ss == 1) {  // a scatter
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (Add) {
          d[i * ds] += s[i];
        } else {
          d[i * ds] = s[i];
        }
      }
    } else {
      for (std::size_t i = 0; i < n; ++i) {
        if constexpr (Add) {
          d[i * ds] += s[i * ss];
        } else {
          d[i * ds] = s[i * ss];
        }
      }
    }
  });
}

template <Real T>
void strided_write(const Loop<2>& loop, T* dst, const T* src, bool accumulate) {
  if (accumulate) {
    strided_walk<true>(loop, dst, src);
  } else {
    strided_walk<false>(loop, dst, src);
  }
}

// A gradient passed on unchanged (Reshape): dx = (or +=) dy.
template <Real T>
void pass_grad(GradOut<T> dx, const Tensor<T>& dy) {
  if (dx.accumulate) {
    T* d = dx.tensor->data();
    const T* s = dy.data();
    for (std::size_t i = 0; i < dy.size(); ++i) d[i] += s[i];
  } else if (dy.size() != 0) {
    std::memcpy(dx.tensor->data(), dy.data(), dy.size() * sizeof(T));
  }
}

// Concat and Stack: the output, read row-major, is `outer` rows (the product of the output
// dimensions before params.ints[0], the axis), each row the inputs' blocks one after
// another; input k's block is its size / outer elements. Stack's inputs have the new
// axis as an implicit size 1, so the same blocks describe it.
template <Real T>
std::size_t join_rows(const Node<T>& node) {
  const auto axis = static_cast<std::size_t>(node.params.ints[0]);
  std::size_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= node.value.shape()[i];
  return outer;
}

template <Real T>
void join_forward(const Graph<T>& graph, Node<T>& node) {
  const std::size_t outer = join_rows(node);
  if (outer == 0 || node.value.size() == 0) return;
  const std::size_t row = node.value.size() / outer;
  T* out = node.value.data();
  std::size_t column = 0;
  for (const std::uint32_t input : node.inputs) {
    const Tensor<T>& x = graph.value(input);
    const std::size_t block = x.size() / outer;
    if (block != 0) {
      for (std::size_t o = 0; o < outer; ++o)
        std::memcpy(out + o * row + column, x.data() + o * block, block * sizeof(T));
    }
    column += block;
  }
}

template <Real T>
void join_backward(Graph<T>& graph, const Node<T>& node) {
  const std::size_t outer = join_rows(node);
  const std::size_t row = outer == 0 ? 0 : node.value.size() / outer;
  const T* dy = node.output_grad().data();
  std::size_t column = 0;
  for (const std::uint32_t input : node.inputs) {
    const std::size_t block = outer == 0 ? 0 : graph.value(input).size() / outer;
    if (GradOut<T> dx = graph.grad_out(input)) {
      T* d = dx.tensor->data();
      for (std::size_t o = 0; o < outer && block != 0; ++o) {
        const T* s = dy + o * row + column;
        T* t = d + o * block;
        if (dx.accumulate) {
          for (std::size_t i = 0; i < block; ++i) t[i] += s[i];
        } else {
          std::memcpy(t, s, block * sizeof(T));
        }
      }
    }
    column += block;
  }
}

}  // namespace cgrad::detail
