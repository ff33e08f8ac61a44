#include "ops/loss/binary_cross_entropy_with_logits.h"

#include <cmath>

#include "ops/elementwise/scalar_math.h"
#include "ops/kernels/vector_math.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

Reduction reduction_of(const OpParams& params) { return static_cast<Reduction>(params.ints[0]); }

// The comparisons are written so that a NaN logit passes through: `x < 0 ? 0 : x` keeps a
// NaN x (where `x > 0 ? x : 0` would give 0), and exp(-|NaN|) is NaN.
template <Real T>
T bce_term(T x, T t) {
  const T positive = x < T{0} ? T{0} : x;
  return positive - x * t + std::log1p(detail::exp_nonpositive(-std::abs(x)));
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* px = x.data();
  const T* pt = graph.value(node.inputs[1]).data();
  detail::reduce_terms(reduction_of(node.params), x.size(), node.value.data(),
                       [&](std::size_t i) { return bce_term(px[i], pt[i]); });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* px = x.data();
  const T* pt = graph.value(node.inputs[1]).data();
  const Reduction reduction = reduction_of(node.params);
  if (GradOut<T> dx = graph.grad_out(node.inputs[0]))
    detail::write_term_grads(dx, reduction, node.output_grad().data(), x.size(),
                             [&](std::size_t i, T g) { return (detail::stable_sigmoid(px[i]) - pt[i]) * g; });
  if (GradOut<T> dt = graph.grad_out(node.inputs[1]))
    detail::write_term_grads(dt, reduction, node.output_grad().data(), x.size(), [&](std::size_t i, T g) { return -px[i] * g; });
}

}  // namespace

template <Real T>
const OpInfo<T>& binary_cross_entropy_with_logits_op() {
  static constexpr OpInfo<T> info{"BinaryCrossEntropyWithLogits", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> binary_cross_entropy_with_logits(Var<T> logits, Var<T> targets, Reduction reduction,
                                        std::source_location where) {
  Graph<T>& graph = detail::graph_of("BinaryCrossEntropyWithLogits", logits, targets);
  detail::check_reduction("BinaryCrossEntropyWithLogits", reduction);
  const Shape& sx = graph.value(logits.index()).shape();
  const Shape& st = graph.value(targets.index()).shape();
  if (sx != st)
    throw ShapeError(fmt::format(
        "BinaryCrossEntropyWithLogits: the logits are {} but the targets are {}; they must have the same shape", sx,
        st));
  Node<T>& node = graph.begin(binary_cross_entropy_with_logits_op<T>(), {logits, targets},
                              detail::loss_shape(reduction, sx), where);
  node.params.ints[0] = static_cast<std::int64_t>(reduction);
  return graph.finish(node);
}

template Var<float> binary_cross_entropy_with_logits(Var<float>, Var<float>, Reduction, std::source_location);
template Var<double> binary_cross_entropy_with_logits(Var<double>, Var<double>, Reduction, std::source_location);
template const OpInfo<float>& binary_cross_entropy_with_logits_op();
template const OpInfo<double>& binary_cross_entropy_with_logits_op();

}  // namespace cgrad
