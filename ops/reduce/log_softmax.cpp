#include "ops/reduce/log_softmax.h"

#include <array>
#include <cmath>
#include <limits>

#include "ops/reduce/reduction.h"

namespace cgrad {
namespace {

// Per block of slices: m = max (NaN-propagating), y = x - m, y -= log(sum(exp(y))). Every
// x - m is <= 0, so the vectorizable exp applies; a NaN makes the whole slice NaN.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  const auto axis = static_cast<std::size_t>(node.params.ints[0]);
  detail::for_each_slice_block(node.value.shape(), axis, [&](std::size_t base, std::size_t n, std::size_t stride,
                                                             std::size_t width) {
    std::array<T, detail::kSliceBlock> m, s;
    detail::fold_slices(base, n, stride, width, -std::numeric_limits<T>::infinity(), m.data(),
                        [&](T a, std::size_t i, std::size_t) { return detail::max_nan(a, x[i]); },
                        detail::max_nan<T>);
    detail::apply_slices(base, n, stride, width, [&](std::size_t i, std::size_t j) { y[i] = x[i] - m[j]; });
    detail::fold_slices(base, n, stride, width, T{0}, s.data(),
                        [&](T a, std::size_t i, std::size_t) { return a + detail::exp_nonpositive(y[i]); },
                        detail::plus<T>);
    for (std::size_t j = 0; j < width; ++j) s[j] = std::log(s[j]);
    detail::apply_slices(base, n, stride, width, [&](std::size_t i, std::size_t j) { y[i] -= s[j]; });
  });
}

// dx = dy - exp(y) * sum(dy) along the axis, from the output alone (y <= 0).
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> out = graph.grad_out(node.inputs[0]);
  if (!out) return;
  const T* y = node.value.data();
  const T* dy = node.output_grad().data();
  T* dx = out.tensor->data();
  const bool accumulate = out.accumulate;
  const auto axis = static_cast<std::size_t>(node.params.ints[0]);
  detail::for_each_slice_block(node.value.shape(), axis, [&](std::size_t base, std::size_t n, std::size_t stride,
                                                             std::size_t width) {
    std::array<T, detail::kSliceBlock> total;
    detail::fold_slices(base, n, stride, width, T{0}, total.data(),
                        [&](T a, std::size_t i, std::size_t) { return a + dy[i]; }, detail::plus<T>);
    auto local = [&](std::size_t i, std::size_t j) { return dy[i] - detail::exp_nonpositive(y[i]) * total[j]; };
    if (accumulate) {
      detail::apply_slices(base, n, stride, width, [&](std::size_t i, std::size_t j) { dx[i] += local(i, j); });
    } else {
      detail::apply_slices(base, n, stride, width, [&](std::size_t i, std::size_t j) { dx[i] = local(i, j); });
    }
  });
}

}  // namespace

template <Real T>
const OpInfo<T>& log_softmax_op() {
  static constexpr OpInfo<T> info{"LogSoftmax", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> log_softmax(Var<T> x, std::int64_t axis, std::source_location where) {
  Graph<T>& graph = detail::graph_of("LogSoftmax", x);
  const Shape shape = graph.value(x.index()).shape();
  const std::size_t normalized = detail::softmax_axis("LogSoftmax", axis, shape);
  Node<T>& node = graph.begin(log_softmax_op<T>(), {x}, shape, where);
  node.params.ints[0] = static_cast<std::int64_t>(normalized);
  return graph.finish(node);
}

template Var<float> log_softmax(Var<float>, std::int64_t, std::source_location);
template Var<double> log_softmax(Var<double>, std::int64_t, std::source_location);
template const OpInfo<float>& log_softmax_op();
template const OpInfo<double>& log_softmax_op();

}  // namespace cgrad
