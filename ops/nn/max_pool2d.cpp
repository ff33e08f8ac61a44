#include "ops/nn/max_pool2d.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "ops/op_support.h"

namespace cgrad {
namespace {

using detail::Span;

// The window's rows (or columns) that fall inside the input: kernel indices [first, last).
Span taps(std::size_t out_index, std::size_t stride, std::size_t padding, std::size_t dilation,
          std::size_t kernel, std::size_t size) {
  const auto start = static_cast<std::int64_t>(out_index * stride) - static_cast<std::int64_t>(padding);
  const auto d = static_cast<std::int64_t>(dilation);
  if (d == 1) {  // the common case, without the divisions
    const std::int64_t first = std::max<std::int64_t>(0, -start);
    const std::int64_t last = std::min<std::int64_t>(static_cast<std::int64_t>(kernel), static_cast<std::int64_t>(size) - start);
    return {static_cast<std::size_t>(first), static_cast<std::size_t>(std::max(first, last))};
  }
  std::int64_t first = start >= 0 ? 0 : (-start + d - 1) / d;
  std::int64_t last = (static_cast<std::int64_t>(size) - start + d - 1) / d;  // start + k d < size
  last = std::min<std::int64_t>(last, static_cast<std::int64_t>(kernel));
  return {static_cast<std::size_t>(first), static_cast<std::size_t>(std::max(first, last))};
}

// One plane's maxima and their flat indices. kNanAware = false is the fast loop: one
// comparison per element, which the compiler turns into selects instead of jumps (on real
// data which element wins is unpredictable, and the mispredicted jumps were most of the
// forward's time); it reports whether it met a NaN, and the caller then redoes the plane
// with kNanAware = true, where a NaN wins over any number and the first NaN stays.
template <bool kNanAware, Real T>
bool pool_plane(const T* image, T* out, std::int64_t* argmax, const detail::Window2d& w, std::size_t height,
                std::size_t width, std::size_t ho, std::size_t wo) {
  bool met_nan = false;
  for (std::size_t oh = 0; oh < ho; ++oh) {
    const Span rows = taps(oh, w.stride.h, w.padding.h, w.dilation.h, w.kernel.h, height);
    const std::size_t ih0 = oh * w.stride.h - w.padding.h;  // wraps when padded; used with ki dh added
    for (std::size_t ow = 0; ow < wo; ++ow) {
      const Span cols = taps(ow, w.stride.w, w.padding.w, w.dilation.w, w.kernel.w, width);
      const std::size_t iw0 = ow * w.stride.w - w.padding.w;
      const std::size_t o = oh * wo + ow;
      if (rows.first == rows.last || cols.first == cols.last) {  // all padding (a large dilation)
        out[o] = -std::numeric_limits<T>::infinity();
        argmax[o] = -1;
        continue;
      }
      // The window's first element inside the input starts the search: the padding
      // (-inf) can then never win, and a strict > keeps the first of equal values.
      std::size_t best = (ih0 + rows.first * w.dilation.h) * width + iw0 + cols.first * w.dilation.w;
      T best_value = image[best];
      for (std::size_t ki = rows.first; ki < rows.last; ++ki) {
        const std::size_t row = (ih0 + ki * w.dilation.h) * width;
        for (std::size_t kj = cols.first; kj < cols.last; ++kj) {
          const std::size_t at = row + iw0 + kj * w.dilation.w;
          const T v = image[at];
          bool take = v > best_value;
          if constexpr (kNanAware) take = take || (std::isnan(v) && !std::isnan(best_value));
          else met_nan |= v != v;
          best = take ? at : best;
          best_value = take ? v : best_value;
        }
      }
      out[o] = best_value;
      argmax[o] = static_cast<std::int64_t>(best);
    }
  }
  return met_nan;
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const detail::Window2d w = detail::Window2d::load(node.params);
  const std::size_t height = x.dim(2), width = x.dim(3), ho = node.value.dim(2), wo = node.value.dim(3);
  const std::size_t planes = x.dim(0) * x.dim(1);
  node.indices.resize(node.value.size());
  const T* in = x.data();
  T* out = node.value.data();
  std::int64_t* argmax = node.indices.data();
  detail::for_planes(planes, ho * wo * w.kernel.h * w.kernel.w, [&](std::size_t first, std::size_t last) {
    for (std::size_t plane = first; plane < last; ++plane) {
      const T* image = in + plane * height * width;
      T* plane_out = out + plane * ho * wo;
      std::int64_t* plane_argmax = argmax + plane * ho * wo;
      if (pool_plane<false>(image, plane_out, plane_argmax, w, height, width, ho, wo))
        pool_plane<true>(image, plane_out, plane_argmax, w, height, width, ho, wo);
    }
  });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const std::size_t plane_size = dx.tensor->dim(2) * dx.tensor->dim(3);
  const std::size_t outputs = node.value.dim(2) * node.value.dim(3);
  const std::size_t planes = dx.tensor->dim(0) * dx.tensor->dim(1);
  const T* dy = node.output_grad().data();
  T* grad = dx.tensor->data();
  detail::for_planes(planes, outputs + plane_size, [&](std::size_t first, std::size_t last) {
    for (std::size_t plane = first; plane < last; ++plane) {
      T* g = grad + plane * plane_size;
      if (!dx.accumulate) std::fill_n(g, plane_size, T{0});
      for (std::size_t o = plane * outputs; o < (plane + 1) * outputs; ++o)
        if (node.indices[o] >= 0) g[static_cast<std::size_t>(node.indices[o])] += dy[o];
    }
  });
}

}  // namespace

template <Real T>
const OpInfo<T>& max_pool2d_op() {
  static constexpr OpInfo<T> info{"MaxPool2d", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> max_pool2d(Var<T> x, const MaxPool2dFuncOptions& options, std::source_location where) {
  constexpr std::string_view op = "MaxPool2d";
  Graph<T>& graph = detail::graph_of(op, x);
  const Shape& xs = graph.value(x.index()).shape();
  const detail::Window2d window =
      detail::pool_window(op, xs, options.kernel, options.stride, options.padding, options.dilation);
  const Size2d out = detail::checked_output(op, xs, window);
  Node<T>& node = graph.begin(max_pool2d_op<T>(), {x}, Shape{xs[0], xs[1], out.h, out.w}, where);
  window.store(node.params);
  return graph.finish(node);
}

template Var<float> max_pool2d(Var<float>, const MaxPool2dFuncOptions&, std::source_location);
template Var<double> max_pool2d(Var<double>, const MaxPool2dFuncOptions&, std::source_location);
template const OpInfo<float>& max_pool2d_op();
template const OpInfo<double>& max_pool2d_op();

}  // namespace cgrad
