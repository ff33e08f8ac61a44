#include "ops/loss/l2_reg.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>

#include "ops/op_support.h"

namespace cgrad {
namespace {

// sum(w^2) accumulated in Acc over 16 independent partial sums: a single chain of adds
// would be bound by the add latency and cannot be vectorized (that would reorder it);
// 16 chains pipeline and map onto vector registers.
template <class Acc, class T>
Acc sum_of_squares(std::span<const T> w) {
  constexpr std::size_t kLanes = 16;
  Acc lanes[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= w.size(); i += kLanes)
    for (std::size_t lane = 0; lane < kLanes; ++lane)
      lanes[lane] += static_cast<Acc>(w[i + lane]) * static_cast<Acc>(w[i + lane]);
  Acc sum = 0;
  for (; i < w.size(); ++i) sum += static_cast<Acc>(w[i]) * static_cast<Acc>(w[i]);
  for (const Acc lane : lanes) sum += lane;
  return sum;
}

// 0.5 * lambda * sum(w^2) for f32: every square of a float, and their sum, is in double's
// range, so summing in double cannot overflow or underflow where the result is finite.
float half_lambda_sum_of_squares(std::span<const float> w, float lambda) {
  const double sum = sum_of_squares<double>(w);
  return static_cast<float>(0.5 * static_cast<double>(lambda) * sum);
}

// For f64, the plain sum of squares is right unless it overflowed, or is so small that
// squares lost to underflow may matter; only then (rare) take a second pass that scales
// by the largest magnitude first, as BLAS's nrm2 does: max^2 * sum((w / max)^2).
double half_lambda_sum_of_squares(std::span<const double> w, double lambda) {
  constexpr double kUnderflowMatters = std::numeric_limits<double>::min() / std::numeric_limits<double>::epsilon();
  const double sum = sum_of_squares<double>(w);
  if ((sum >= kUnderflowMatters && sum <= std::numeric_limits<double>::max()) || std::isnan(sum))
    return 0.5 * lambda * sum;
  double largest = 0;
  for (const double x : w) largest = std::max(largest, std::abs(x));
  if (largest == 0 || std::isinf(largest)) return 0.5 * lambda * largest * largest;
  double scaled_sum = 0;  // in [1, n]
  for (const double x : w) scaled_sum += (x / largest) * (x / largest);
  return 0.5 * lambda * scaled_sum * largest * largest;  // left to right: no intermediate over/underflow
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  node.value[0] = half_lambda_sum_of_squares(graph.value(node.inputs[0]).span(), static_cast<T>(node.params.reals[0]));
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& w = graph.value(node.inputs[0]);
  const T factor = static_cast<T>(node.params.reals[0]) * node.output_grad()[0];
  if (GradOut<T> dw = graph.grad_out(node.inputs[0])) {
    detail::write_grad(dw, [&](std::size_t i) { return factor * w[i]; });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& l2_reg_op() {
  static constexpr OpInfo<T> info{"L2Reg", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> l2_reg(Var<T> w, std::type_identity_t<T> lambda, std::source_location where) {
  Graph<T>& graph = detail::graph_of("L2Reg", w);
  if (!std::isfinite(lambda) || lambda < T{0})
    throw ValueError(fmt::format("L2Reg: lambda must be finite and >= 0, got {}", lambda));
  Node<T>& node = graph.begin(l2_reg_op<T>(), {w}, Shape{}, where);
  node.params.reals[0] = lambda;
  return graph.finish(node);
}

template Var<float> l2_reg(Var<float>, float, std::source_location);
template Var<double> l2_reg(Var<double>, double, std::source_location);
template const OpInfo<float>& l2_reg_op();
template const OpInfo<double>& l2_reg_op();

}  // namespace cgrad
