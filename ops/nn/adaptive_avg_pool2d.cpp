#include "ops/nn/adaptive_avg_pool2d.h"

#include "ops/nn/mean_pool.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

using detail::Span;

// Output index i of `out` over `size` input positions reads [first, last).
Span adaptive_span(std::size_t i, std::size_t out, std::size_t size) {
  return {i * size / out, ((i + 1) * size + out - 1) / out};
}

// Calls visit(plane, output index, rows, cols, divisor) for every output of the planes
// [first, last); the divisor is the window's size.
template <Real T, class Visit>
void for_each_window(const Shape& x, const Shape& y, std::size_t first, std::size_t last, const Visit& visit) {
  const std::size_t ho = y[2], wo = y[3];
  for (std::size_t plane = first; plane < last; ++plane) {
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const Span rows = adaptive_span(oh, ho, x[2]);
      for (std::size_t ow = 0; ow < wo; ++ow) {
        const Span cols = adaptive_span(ow, wo, x[3]);
        visit(plane, (plane * ho + oh) * wo + ow, rows, cols, static_cast<T>(rows.size() * cols.size()));
      }
    }
  }
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const Shape& y = node.value.shape();
  detail::mean_pool_forward(x, node.value, x.dim(2) * x.dim(3) + y[2] * y[3],
                            [&](std::size_t first, std::size_t last, const auto& visit) {
                              for_each_window<T>(x.shape(), y, first, last, visit);
                            });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Shape& x = dx.tensor->shape();
  const Shape& y = node.value.shape();
  detail::mean_pool_backward(dx, node.output_grad().data(), x[2] * x[3] + y[2] * y[3],
                             [&](std::size_t first, std::size_t last, const auto& visit) {
                               for_each_window<T>(x, y, first, last, visit);
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
