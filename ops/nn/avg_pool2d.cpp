#include "ops/nn/avg_pool2d.h"

#include <algorithm>
#include <cstdint>

#include "ops/op_support.h"

namespace cgrad {
namespace {

// ints[0..8): the window; ints[8]: count_include_pad.
constexpr std::size_t kIncludePadSlot = 8;

// One output's window on one axis: the input range [first, last) it covers inside the
// input, and how many positions it spans counting the padding.
struct Range {
  std::size_t first, last, padded;
};
Range window_range(std::size_t out_index, std::size_t stride, std::size_t padding, std::size_t kernel,
                   std::size_t size) {
  const auto start = static_cast<std::int64_t>(out_index * stride) - static_cast<std::int64_t>(padding);
  const std::int64_t end = start + static_cast<std::int64_t>(kernel);
  const auto first = static_cast<std::size_t>(std::max<std::int64_t>(start, 0));
  const auto last = static_cast<std::size_t>(std::min<std::int64_t>(end, static_cast<std::int64_t>(size)));
  return {first, std::max(first, last), kernel};
}

// Calls visit(plane, output index, row range, column range, divisor) for every output of
// the planes [first, last).
template <Real T, class Visit>
void for_each_window(const Node<T>& node, const Shape& x, std::size_t first, std::size_t last, const Visit& visit) {
  const detail::Window2d w = detail::Window2d::load(node.params);
  const bool include_pad = node.params.ints[kIncludePadSlot] != 0;
  const std::size_t ho = node.value.dim(2), wo = node.value.dim(3);
  for (std::size_t plane = first; plane < last; ++plane) {
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const Range rows = window_range(oh, w.stride.h, w.padding.h, w.kernel.h, x[2]);
      for (std::size_t ow = 0; ow < wo; ++ow) {
        const Range cols = window_range(ow, w.stride.w, w.padding.w, w.kernel.w, x[3]);
        const std::size_t count =
            include_pad ? rows.padded * cols.padded : (rows.last - rows.first) * (cols.last - cols.first);
        visit(plane, (plane * ho + oh) * wo + ow, rows, cols, static_cast<T>(count));
      }
    }
  }
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const std::size_t height = x.dim(2), width = x.dim(3);
  const detail::Window2d w = detail::Window2d::load(node.params);
  const T* in = x.data();
  T* out = node.value.data();
  detail::for_planes(x.dim(0) * x.dim(1), node.value.dim(2) * node.value.dim(3) * w.kernel.h * w.kernel.w,
                     [&](std::size_t first, std::size_t last) {
                       for_each_window(node, x.shape(), first, last,
                                       [&](std::size_t plane, std::size_t o, Range rows, Range cols, T count) {
                                         const T* image = in + plane * height * width;
                                         T sum{0};
                                         for (std::size_t ih = rows.first; ih < rows.last; ++ih)
                                           for (std::size_t iw = cols.first; iw < cols.last; ++iw)
                                             sum += image[ih * width + iw];
                                         out[o] = sum / count;
                                       });
                     });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Shape& shape = dx.tensor->shape();
  const std::size_t width = shape[3], plane_size = shape[2] * shape[3];
  const detail::Window2d w = detail::Window2d::load(node.params);
  const T* dy = node.grad.data();
  T* grad = dx.tensor->data();
  detail::for_planes(shape[0] * shape[1], node.value.dim(2) * node.value.dim(3) * w.kernel.h * w.kernel.w + plane_size,
                     [&](std::size_t first, std::size_t last) {
                       if (!dx.accumulate) std::fill(grad + first * plane_size, grad + last * plane_size, T{0});
                       for_each_window(node, shape, first, last,
                                       [&](std::size_t plane, std::size_t o, Range rows, Range cols, T count) {
                                         T* image = grad + plane * plane_size;
                                         const T share = dy[o] / count;
                                         for (std::size_t ih = rows.first; ih < rows.last; ++ih)
                                           for (std::size_t iw = cols.first; iw < cols.last; ++iw)
                                             image[ih * width + iw] += share;
                                       });
                     });
}

}  // namespace

template <Real T>
const OpInfo<T>& avg_pool2d_op() {
  static constexpr OpInfo<T> info{"AvgPool2d", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> avg_pool2d(Var<T> x, const AvgPool2dFuncOptions& options, std::source_location where) {
  constexpr std::string_view op = "AvgPool2d";
  Graph<T>& graph = detail::graph_of(op, x);
  const Shape& xs = graph.value(x.index()).shape();
  const detail::Window2d window = detail::pool_window(op, xs, options.kernel, options.stride, options.padding);
  const Size2d out = detail::checked_output(op, xs, window);
  Node<T>& node = graph.begin(avg_pool2d_op<T>(), {x}, Shape{xs[0], xs[1], out.h, out.w}, where);
  window.store(node.params);
  node.params.ints[kIncludePadSlot] = options.count_include_pad ? 1 : 0;
  return graph.finish(node);
}

template Var<float> avg_pool2d(Var<float>, const AvgPool2dFuncOptions&, std::source_location);
template Var<double> avg_pool2d(Var<double>, const AvgPool2dFuncOptions&, std::source_location);
template const OpInfo<float>& avg_pool2d_op();
template const OpInfo<double>& avg_pool2d_op();

}  // namespace cgrad
