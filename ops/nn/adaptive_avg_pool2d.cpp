#include "ops/nn/adaptive_avg_pool2d.h"

#include <algorithm>

#include "ops/op_support.h"

namespace cgrad {
namespace {

// Output index i of `out` over `size` input positions reads [first, last).
struct Range {
  std::size_t first, last;
};
Range adaptive_range(std::size_t i, std::size_t out, std::size_t size) {
  return {i * size / out, ((i + 1) * size + out - 1) / out};
}

// Calls visit(plane, output index, rows, columns) for every output of the planes [first, last).
template <class Visit>
void for_each_window(const Shape& x, const Shape& y, std::size_t first, std::size_t last, const Visit& visit) {
  const std::size_t ho = y[2], wo = y[3];
  for (std::size_t plane = first; plane < last; ++plane) {
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const Range rows = adaptive_range(oh, ho, x[2]);
      for (std::size_t ow = 0; ow < wo; ++ow) visit(plane, (plane * ho + oh) * wo + ow, rows, adaptive_range(ow, wo, x[3]));
    }
  }
}

template <Real T>
T window_count(Range rows, Range cols) {
  return static_cast<T>((rows.last - rows.first) * (cols.last - cols.first));
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const std::size_t width = x.dim(3), plane_size = x.dim(2) * x.dim(3);
  const T* in = x.data();
  T* out = node.value.data();
  detail::for_planes(x.dim(0) * x.dim(1), plane_size + node.value.dim(2) * node.value.dim(3),
                     [&](std::size_t first, std::size_t last) {
                       for_each_window(x.shape(), node.value.shape(), first, last,
                                       [&](std::size_t plane, std::size_t o, Range rows, Range cols) {
                                         const T* image = in + plane * plane_size;
                                         T sum{0};
                                         for (std::size_t ih = rows.first; ih < rows.last; ++ih)
                                           for (std::size_t iw = cols.first; iw < cols.last; ++iw)
                                             sum += image[ih * width + iw];
                                         out[o] = sum / window_count<T>(rows, cols);
                                       });
                     });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Shape& shape = dx.tensor->shape();
  const std::size_t width = shape[3], plane_size = shape[2] * shape[3];
  const T* dy = node.grad.data();
  T* grad = dx.tensor->data();
  detail::for_planes(shape[0] * shape[1], plane_size + node.value.dim(2) * node.value.dim(3),
                     [&](std::size_t first, std::size_t last) {
                       if (!dx.accumulate) std::fill(grad + first * plane_size, grad + last * plane_size, T{0});
                       for_each_window(shape, node.value.shape(), first, last,
                                       [&](std::size_t plane, std::size_t o, Range rows, Range cols) {
                                         T* image = grad + plane * plane_size;
                                         const T share = dy[o] / window_count<T>(rows, cols);
                                         for (std::size_t ih = rows.first; ih < rows.last; ++ih)
                                           for (std::size_t iw = cols.first; iw < cols.last; ++iw)
                                             image[ih * width + iw] += share;
                                       });
                     });
}

}  // namespace

template <Real T>
const OpInfo<T>& adaptive_avg_pool2d_op() {
  static constexpr OpInfo<T> info{"AdaptiveAvgPool2d", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> adaptive_avg_pool2d(Var<T> x, Size2d output_size, std::source_location where) {
  constexpr std::string_view op = "AdaptiveAvgPool2d";
  Graph<T>& graph = detail::graph_of(op, x);
  const Shape& xs = graph.value(x.index()).shape();
  detail::check_nchw(op, xs);
  detail::check_positive(op, "output size", output_size);
  if (xs[2] == 0 || xs[3] == 0)
    throw ShapeError(fmt::format("{}: the input {} has no pixels to average", op, xs));
  return graph.finish(graph.begin(adaptive_avg_pool2d_op<T>(), {x}, Shape{xs[0], xs[1], output_size.h, output_size.w},
                                  where));
}

template Var<float> adaptive_avg_pool2d(Var<float>, Size2d, std::source_location);
template Var<double> adaptive_avg_pool2d(Var<double>, Size2d, std::source_location);
template const OpInfo<float>& adaptive_avg_pool2d_op();
template const OpInfo<double>& adaptive_avg_pool2d_op();

}  // namespace cgrad
