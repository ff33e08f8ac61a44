#include "ops/nn/avg_pool2d.h"

#include <algorithm>
#include <cstdint>

#include "ops/nn/mean_pool.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

// ints[0..8): the window; ints[8]: count_include_pad.
constexpr std::size_t kIncludePadSlot = 8;

using detail::Span;

// One output's window on one axis: the input positions it covers inside the input (the
// padding's zeros add nothing to a sum).
Span window_span(std::size_t out_index, std::size_t stride, std::size_t padding, std::size_t kernel,
                 std::size_t size) {
  const auto start = static_cast<std::int64_t>(out_index * stride) - static_cast<std::int64_t>(padding);
  const std::int64_t end = start + static_cast<std::int64_t>(kernel);
  const auto first = static_cast<std::size_t>(std::max<std::int64_t>(start, 0));
  const auto last = static_cast<std::size_t>(std::min<std::int64_t>(end, static_cast<std::int64_t>(size)));
  return {first, std::max(first, last)};
}

// Calls visit(plane, output index, rows, cols, divisor) for every output of the planes
// [first, last). With count_include_pad the divisor is the kernel's area (the window never
// reaches past the padding, so that is every position it spans); without, the positions
// inside the input.
template <Real T, class Visit>
void for_each_window(const Node<T>& node, const Shape& x, std::size_t first, std::size_t last, const Visit& visit) {
  const detail::Window2d w = detail::Window2d::load(node.params);
  const bool include_pad = node.params.ints[kIncludePadSlot] != 0;
  const std::size_t ho = node.value.dim(2), wo = node.value.dim(3);
  for (std::size_t plane = first; plane < last; ++plane) {
    for (std::size_t oh = 0; oh < ho; ++oh) {
      const Span rows = window_span(oh, w.stride.h, w.padding.h, w.kernel.h, x[2]);
      for (std::size_t ow = 0; ow < wo; ++ow) {
        const Span cols = window_span(ow, w.stride.w, w.padding.w, w.kernel.w, x[3]);
        const std::size_t count = include_pad ? w.kernel.h * w.kernel.w : rows.size() * cols.size();
        visit(plane, (plane * ho + oh) * wo + ow, rows, cols, static_cast<T>(count));
      }
    }
  }
}

// Element reads of one plane's windows.
template <Real T>
std::size_t window_work(const Node<T>& node) {
  const detail::Window2d w = detail::Window2d::load(node.params);
  return node.value.dim(2) * node.value.dim(3) * w.kernel.h * w.kernel.w;
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  detail::mean_pool_forward(x, node.value, window_work(node),
                            [&](std::size_t first, std::size_t last, const auto& visit) {
                              for_each_window(node, x.shape(), first, last, visit);
                            });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Shape& shape = dx.tensor->shape();
  detail::mean_pool_backward(dx, node.output_grad().data(), window_work(node) + shape[2] * shape[3],
                             [&](std::size_t first, std::size_t last, const auto& visit) {
                               for_each_window(node, shape, first, last, visit);
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
