#pragma once
// What the reduce family shares.
//
// Reductions (Sum, Mean, Max, Min, LogSumExp) record the reduced axes as a bit mask in
// params.ints[0] and keepdim in params.ints[1]. They walk the input with the loop engine
// (ops/loop.h), the output taken in its keepdim shape (reduced axes of size 1) as a second
// operand: it has stride 0 along the reduced axes, so each innermost run either folds into
// one output element (a reduction over the contiguous last axes: 16 independent partial
// results, which vectorize and always add in the same order) or adds a whole row into a
// row of outputs (a reduction over a leading axis: out[j] += x[j], which vectorizes as it
// is). Gradients go back through the same walk, the output's values broadcast again.
// keepdim only changes the output's shape: its elements are laid out the same either way.
//
// Axes follow torch: negative axes count from the end; an empty list means every axis (as
// torch's sum(dim=[])); a rank-0 input accepts axis 0 or -1 and reduces nothing. Reducing
// over a size-0 axis gives Sum 0, Mean NaN (0/0), LogSumExp -inf; Max and Min refuse it.
//
// The softmaxes work along one axis and need, per slice, a max and a sum forward and a dot
// product backward, where the node is read-only. They walk slices in blocks of neighbours
// (for_each_slice_block) with the per-slice accumulators in a small stack array, so
// neither pass allocates or needs scratch in the node: along the last axis a block is one
// contiguous slice, folded with partial results; along another axis the block's
// neighbouring slices are contiguous rows, accumulated elementwise.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <source_location>
#include <string_view>

#include "graph/axes.h"
#include "ops/kernels/vector_math.h"
#include "ops/loop.h"
#include "ops/op_support.h"

namespace cgrad::detail {

using AxisMask = std::array<bool, kMaxRank>;

// torch lets a rank-0 value take axis 0 or -1 (as if it were [1]), and reduces nothing.
inline void check_scalar_axis(std::string_view op, std::int64_t axis) {
  if (axis != 0 && axis != -1)
    throw ShapeError(fmt::format("{}: axis {} is out of range for a value of rank 0 (valid: -1 or 0)", op, axis));
}

// The axes `axes` names in `shape` (nullptr or an empty list: all of them).
inline AxisMask reduction_mask(std::string_view op, const Shape& shape, const Axes* axes) {
  AxisMask mask{};
  if (axes == nullptr || axes->size() == 0) {
    for (std::size_t axis = 0; axis < shape.rank(); ++axis) mask[axis] = true;
    return mask;
  }
  if (shape.rank() == 0) {
    for (const std::int64_t axis : axes->span()) check_scalar_axis(op, axis);
    (void)axes->mask(op, 1);  // named twice
    return mask;
  }
  return axes->mask(op, shape.rank());
}

inline std::int64_t mask_bits(const AxisMask& mask) {
  std::int64_t bits = 0;
  for (std::size_t axis = 0; axis < kMaxRank; ++axis)
    if (mask[axis]) bits |= std::int64_t{1} << axis;
  return bits;
}

inline bool is_reduced(const OpParams& params, std::size_t axis) { return ((params.ints[0] >> axis) & 1) != 0; }

// The input's shape with the reduced axes kept as size 1: the output's keepdim shape.
inline Shape kept_shape(const Shape& input, const OpParams& params) {
  Shape kept = input;
  for (std::size_t axis = 0; axis < input.rank(); ++axis)
    if (is_reduced(params, axis)) kept[axis] = 1;
  return kept;
}

// How many input elements fold into each output element.
inline std::size_t reduced_count(const Shape& input, const OpParams& params) {
  std::size_t count = 1;
  for (std::size_t axis = 0; axis < input.rank(); ++axis)
    if (is_reduced(params, axis)) count *= input[axis];
  return count;
}

// The walk over the input with the keepdim-shaped output as operand 1.
inline Loop<2> reduction_loop(const Shape& input, const OpParams& params) {
  const Shape kept = kept_shape(input, params);
  return make_loop<2>(input, {&input, &kept});
}

// Begins a reduction node on x (axes: nullptr for all). `needs_elements`: the op has no
// value over an empty slice (Max, Min) and refuses a size-0 reduced axis.
template <Real T>
Node<T>& begin_reduction(const OpInfo<T>& op, Var<T> x, const Axes* axes, bool keepdim, bool needs_elements,
                         std::source_location where) {
  Graph<T>& graph = graph_of(op.name, x);
  const Shape input = graph.value(x.index()).shape();
  const AxisMask mask = reduction_mask(op.name, input, axes);
  if (needs_elements) {
    for (std::size_t axis = 0; axis < input.rank(); ++axis)
      if (mask[axis] && input[axis] == 0)
        throw ShapeError(fmt::format("{}: cannot reduce {} over axis {} of size 0: an empty slice has no {}", op.name,
                                     input, axis, op.name));
  }
  Node<T>& node = graph.begin(op, {x}, reduced_shape(input, mask, keepdim), where);
  node.params.ints[0] = mask_bits(mask);
  node.params.ints[1] = keepdim ? 1 : 0;
  return node;
}

template <Real T>
Var<T> record_reduction(const OpInfo<T>& op, Var<T> x, const Axes* axes, bool keepdim, bool needs_elements,
                        std::source_location where) {
  Node<T>& node = begin_reduction(op, x, axes, keepdim, needs_elements, where);
  return x.graph()->finish(node);
}

// ---- scalar rules ----

template <class T>
T plus(T a, T b) { return a + b; }

// max and min that propagate NaN from either side (as torch.amax): once a NaN is picked it
// stays, because a comparison with it is false and `v != v` only holds for a NaN v.
template <class T>
T max_nan(T a, T v) { return (v > a || v != v) ? v : a; }
template <class T>
T min_nan(T a, T v) { return (v < a || v != v) ? v : a; }

// ---- folds ----

// step(acc, i) over i in [0, n) into 16 independent partial results combined pairwise by
// merge: a fixed order (so the result does not depend on anything but n) that pipelines
// and vectorizes where one chain of adds could do neither.
template <class T, class Step, class Merge>
T fold(std::size_t n, T init, Step step, Merge merge) {
  constexpr std::size_t kLanes = 16;
  std::array<T, kLanes> lanes;
  lanes.fill(init);
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t lane = 0; lane < kLanes; ++lane) lanes[lane] = step(lanes[lane], i + lane);
  T tail = init;
  for (; i < n; ++i) tail = step(tail, i);
  for (std::size_t width = kLanes / 2; width > 0; width /= 2)
    for (std::size_t lane = 0; lane < width; ++lane) lanes[lane] = merge(lanes[lane], lanes[lane + width]);
  return merge(lanes[0], tail);
}

// out[k] = step(out[k], x[i], aux[k]) for every input element i and its output element k,
// in the walk's fixed order (runs folding into one output are folded first, then merged
// into it). out must hold the fold's initial value; aux is read-only, per output element
// (pass out itself when the step ignores it).
template <class T, class Step, class Merge>
void reduce_runs(const Loop<2>& loop, const T* x, T* out, const T* aux, T init, Step step, Merge merge) {
  for_each_run(loop, [&](const auto& offset, const auto& steps, std::size_t n) {
    const T* xr = x + offset[0];  // the input is the walk's own shape: its step is 1
    T* o = out + offset[1];
    const T* a = aux + offset[1];
    if (steps[1] == 0) {
      const T av = *a;
      *o = merge(*o, fold(n, init, [&](T acc, std::size_t i) { return step(acc, xr[i], av); }, merge));
    } else {
      for (std::size_t i = 0; i < n; ++i) o[i] = step(o[i], xr[i], a[i]);
    }
  });
}

// dst[i] = (or += when accumulate) f(x[i], p[k], q[k], r[k]) for every input element i and
// its output element k: how an output's values and gradient are broadcast back.
template <class T, class F>
void broadcast_apply(T* dst, bool accumulate, const Loop<2>& loop, const T* x, const T* p, const T* q, const T* r,
                     F f) {
  for_each_run(loop, [&](const auto& offset, const auto& steps, std::size_t n) {
    T* d = dst + offset[0];
    const T* xr = x + offset[0];
    const std::size_t k = offset[1];
    if (steps[1] == 0) {
      const T pv = p[k], qv = q[k], rv = r[k];
      if (accumulate) {
        for (std::size_t i = 0; i < n; ++i) d[i] += f(xr[i], pv, qv, rv);
      } else {
        for (std::size_t i = 0; i < n; ++i) d[i] = f(xr[i], pv, qv, rv);
      }
    } else {
      const T *pr = p + k, *qr = q + k, *rr = r + k;
      if (accumulate) {
        for (std::size_t i = 0; i < n; ++i) d[i] += f(xr[i], pr[i], qr[i], rr[i]);
      } else {
        for (std::size_t i = 0; i < n; ++i) d[i] = f(xr[i], pr[i], qr[i], rr[i]);
      }
    }
  });
}

// ---- Max and Min ----

// Forward of Max (is_max) or Min. When a gradient is needed, node.saved counts each
// output's ties (the elements equal to it) for backward.
template <Real T, bool is_max>
void extreme_forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Loop<2> loop = reduction_loop(x.shape(), node.params);
  T* y = node.value.data();
  constexpr T init = is_max ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
  const auto pick = [](T a, T v) { return is_max ? max_nan(a, v) : min_nan(a, v); };
  node.value.fill(init);
  reduce_runs(loop, x.data(), y, y, init, [&](T a, T v, T) { return pick(a, v); }, pick);
  if (!node.requires_grad) return;
  node.saved.resize(node.value.shape());
  node.saved.fill(T{0});
  reduce_runs(loop, x.data(), node.saved.data(), y, T{0}, [](T a, T v, T m) { return a + T(v == m ? 1 : 0); },
              plus<T>);
}

// torch.amax's rule: the gradient is split evenly among the elements equal to the result
// (for a two-way tie this is what central differences give). A slice holding a NaN has a
// NaN result that no element equals: 0 ties, and dy / 0 * 0 makes its gradient NaN.
template <Real T>
void extreme_backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Loop<2> loop = reduction_loop(x.shape(), node.params);
  broadcast_apply(dx.tensor->data(), dx.accumulate, loop, x.data(), node.value.data(), node.output_grad().data(),
                  node.saved.data(), [](T v, T y, T dy, T ties) { return T(v == y ? 1 : 0) * (dy / ties); });
}

// ---- the softmaxes' walk along one axis ----

inline constexpr std::size_t kSliceBlock = 64;

// Calls body(base, n, stride, width) for blocks of up to kSliceBlock neighbouring slices of
// `shape` along `axis`: the block's elements are base + i * stride + j for i < n (along the
// axis) and j < width (neighbouring slices). A rank-0 shape is one slice of one element.
template <class Body>
void for_each_slice_block(const Shape& shape, std::size_t axis, Body body) {
  if (shape.rank() == 0) {
    body(std::size_t{0}, std::size_t{1}, std::size_t{1}, std::size_t{1});
    return;
  }
  std::size_t outer = 1;
  for (std::size_t a = 0; a < axis; ++a) outer *= shape[a];
  const std::size_t n = shape[axis], inner = shape.stride(axis);
  for (std::size_t o = 0; o < outer; ++o)
    for (std::size_t j = 0; j < inner; j += kSliceBlock)
      body(o * n * inner + j, n, inner, std::min(kSliceBlock, inner - j));
}

// acc[j] = the fold of step(acc, element index, j) along slice j of a block, from init.
template <class T, class Step, class Merge>
void fold_slices(std::size_t base, std::size_t n, std::size_t stride, std::size_t width, T init, T* acc, Step step,
                 Merge merge) {
  if (stride == 1) {  // one contiguous slice
    acc[0] = fold(n, init, [&](T a, std::size_t i) { return step(a, base + i, std::size_t{0}); }, merge);
    return;
  }
  for (std::size_t j = 0; j < width; ++j) acc[j] = init;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t row = base + i * stride;
    for (std::size_t j = 0; j < width; ++j) acc[j] = step(acc[j], row + j, j);
  }
}

// f(element index, j) for every element of a block, row by row.
template <class F>
void apply_slices(std::size_t base, std::size_t n, std::size_t stride, std::size_t width, F f) {
  if (stride == 1) {
    for (std::size_t i = 0; i < n; ++i) f(base + i, std::size_t{0});
    return;
  }
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t row = base + i * stride;
    for (std::size_t j = 0; j < width; ++j) f(row + j, j);
  }
}

// The axis of a softmax, normalised (a rank-0 input takes 0 or -1, as in torch).
inline std::size_t softmax_axis(std::string_view op, std::int64_t axis, const Shape& shape) {
  if (shape.rank() == 0) {
    check_scalar_axis(op, axis);
    return 0;
  }
  return normalize_axis(op, axis, shape.rank());
}

}  // namespace cgrad::detail
