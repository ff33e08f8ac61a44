#include "ops/elementwise/gelu.h"

#include <cmath>
#include <string_view>
#include <type_traits>

#include "ops/kernels/vector_math.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

constexpr std::string_view kOp = "GELU";

// Φ(x) = erfc(-x/√2) / 2, the standard normal distribution; float uses the vectorizable
// erfc and exp of ops/kernels/vector_math.h, double libm's.
template <class T>
T normal_cdf(T x) {
  const T minus_x_over_sqrt2 = x * static_cast<T>(-0.70710678118654752440);
  if constexpr (std::is_same_v<T, float>) return 0.5f * detail::erfc_float(minus_x_over_sqrt2);
  else return T{0.5} * std::erfc(minus_x_over_sqrt2);
}

// Φ(x) + x φ(x), φ the standard normal density: GELU's slope. Float takes φ(x) =
// exp(-(x/√2)²)/√(2π) from the evaluation of erfc that gives Φ(x) (perf: a separate exp
// was an eighth of the forward); double calls libm.
template <class T>
T normal_slope(T x, T& cdf) {
  constexpr T kInverseSqrt2Pi = static_cast<T>(0.39894228040143267794);
  const T minus_x_over_sqrt2 = x * static_cast<T>(-0.70710678118654752440);
  if constexpr (std::is_same_v<T, float>) {
    const detail::ErfcAndGaussian e = detail::erfc_and_gaussian_float(minus_x_over_sqrt2);
    cdf = 0.5f * e.erfc;
    return cdf + x * (kInverseSqrt2Pi * e.gaussian);
  } else {
    cdf = T{0.5} * std::erfc(minus_x_over_sqrt2);
    return cdf + x * (kInverseSqrt2Pi * std::exp(T{-0.5} * x * x));
  }
}

// y = x Φ(x). When the node takes part in backward, the slope Φ(x) + x φ(x) goes to
// node.saved in the same pass: Φ(x) is most of the work of both, and computing it once
// (perf: the backward's second erfc was 7% of a TransformerBlock step) leaves the
// backward a product.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  const std::size_t n = node.value.size();
  if (!node.requires_grad) {
    for (std::size_t i = 0; i < n; ++i) y[i] = x[i] * normal_cdf(x[i]);
    return;
  }
  node.saved.resize(node.value.shape());
  T* slope = node.saved.data();
  for (std::size_t i = 0; i < n; ++i) {
    T cdf;
    slope[i] = normal_slope(x[i], cdf);
    y[i] = x[i] * cdf;
  }
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    const T* slope = node.saved.data();
    const T* dy = node.output_grad().data();
    detail::write_grad(dx, [&](std::size_t i) { return dy[i] * slope[i]; });
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& gelu_op() {
  static constexpr OpInfo<T> info{kOp, &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> gelu(Var<T> x, std::source_location where) {
  Graph<T>& graph = detail::graph_of(kOp, x);
  Node<T>& node = graph.begin(gelu_op<T>(), {x}, graph.value(x.index()).shape(), where);
  return graph.finish(node);
}

template Var<float> gelu(Var<float>, std::source_location);
template Var<double> gelu(Var<double>, std::source_location);
template const OpInfo<float>& gelu_op();
template const OpInfo<double>& gelu_op();

}  // namespace cgrad
