#include "ops/reduce/logsumexp.h"

#include <cmath>
#include <limits>

#include "ops/reduce/reduction.h"

namespace cgrad {
namespace {

// y = shift + log(sum(exp(x - shift))) with shift the slice's max, or 0 where the max is
// -inf (an all -inf or empty slice: then the sum is 0 and y is -inf, where x - max would
// be NaN). A +inf max is the answer itself (its x - max is NaN, which is discarded).
// node.saved holds the shifts and the sums: scratch of the forward only.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  constexpr T inf = std::numeric_limits<T>::infinity();
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const detail::Loop<2> loop = detail::reduction_loop(x.shape(), node.params);
  const std::size_t n = node.value.size();
  T* y = node.value.data();
  node.saved.resize(Shape{2, n});
  T* shift = node.saved.data();
  T* sums = shift + n;
  node.value.fill(-inf);
  detail::reduce_runs(loop, x.data(), y, y, -inf, [](T a, T v, T) { return detail::max_nan(a, v); },
                      detail::max_nan<T>);
  for (std::size_t k = 0; k < n; ++k) {
    shift[k] = y[k] == -inf ? T{0} : y[k];
    sums[k] = T{0};
  }
  // x - shift <= 0 (or NaN, or -inf): the vectorizable exp applies.
  detail::reduce_runs(loop, x.data(), sums, shift, T{0},
                      [](T a, T v, T s) { return a + detail::exp_nonpositive(v - s); }, detail::plus<T>);
  for (std::size_t k = 0; k < n; ++k) y[k] = y[k] == inf ? inf : shift[k] + std::log(sums[k]);
}

// dx = dy * exp(x - y), the softmax over the reduced axes; x - y <= 0 since y >= max(x).
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* y = node.value.data();
  detail::broadcast_apply(dx.tensor->data(), dx.accumulate, detail::reduction_loop(x.shape(), node.params), x.data(),
                          y, node.output_grad().data(), y,
                          [](T v, T yv, T dy, T) { return dy * detail::exp_nonpositive(v - yv); });
}

}  // namespace

template <Real T>
const OpInfo<T>& logsumexp_op() {
  static constexpr OpInfo<T> info{"LogSumExp", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> logsumexp(Var<T> x, Axes axes, bool keepdim, std::source_location where) {
  return detail::record_reduction(logsumexp_op<T>(), x, &axes, keepdim, false, where);
}

template Var<float> logsumexp(Var<float>, Axes, bool, std::source_location);
template Var<double> logsumexp(Var<double>, Axes, bool, std::source_location);
template const OpInfo<float>& logsumexp_op();
template const OpInfo<double>& logsumexp_op();

}  // namespace cgrad
