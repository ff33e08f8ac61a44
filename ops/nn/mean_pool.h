#pragma once
// What AvgPool2d and AdaptiveAvgPool2d share: each output is the mean of a rectangle of
// its input plane, and backward spreads dy / divisor over that rectangle. The two ops
// differ only in which rectangles and divisors they visit.
#include <algorithm>
#include <cstddef>

#include "graph/graph.h"
#include "ops/nn/spatial.h"

namespace cgrad::detail {

// `windows(first_plane, last_plane, visit)` calls visit(plane, output index, rows, cols,
// divisor) for every output of those planes. `work_per_plane` sizes the parallel blocks
// (for_planes); each plane is still summed by one task in a fixed order.
template <Real T, class Windows>
void mean_pool_forward(const Tensor<T>& x, Tensor<T>& y, std::size_t work_per_plane, const Windows& windows) {
  const std::size_t width = x.dim(3), plane_size = x.dim(2) * x.dim(3);
  const T* in = x.data();
  T* out = y.data();
  for_planes(x.dim(0) * x.dim(1), work_per_plane, [&](std::size_t first, std::size_t last) {
    windows(first, last, [&](std::size_t plane, std::size_t o, Span rows, Span cols, T divisor) {
      const T* image = in + plane * plane_size;
      T sum{0};
      for (std::size_t ih = rows.first; ih < rows.last; ++ih)
        for (std::size_t iw = cols.first; iw < cols.last; ++iw) sum += image[ih * width + iw];
      out[o] = sum / divisor;
    });
  });
}

// The adjoint: dx (overwritten or added to, as dx says) gets dy[o] / divisor at every
// element of output o's window.
template <Real T, class Windows>
void mean_pool_backward(GradOut<T> dx, const T* dy, std::size_t work_per_plane, const Windows& windows) {
  const Shape& shape = dx.tensor->shape();
  const std::size_t width = shape[3], plane_size = shape[2] * shape[3];
  T* grad = dx.tensor->data();
  for_planes(shape[0] * shape[1], work_per_plane, [&](std::size_t first, std::size_t last) {
    if (!dx.accumulate) std::fill(grad + first * plane_size, grad + last * plane_size, T{0});
    windows(first, last, [&](std::size_t plane, std::size_t o, Span rows, Span cols, T divisor) {
      T* image = grad + plane * plane_size;
      const T share = dy[o] / divisor;
      for (std::size_t ih = rows.first; ih < rows.last; ++ih)
        for (std::size_t iw = cols.first; iw < cols.last; ++iw) image[ih * width + iw] += share;
    });
  });
}

}  // namespace cgrad::detail
