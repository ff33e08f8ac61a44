#include "ops/loss/nll_loss.h"

#include "ops/op_support.h"

namespace cgrad {
namespace {

Reduction reduction_of(const OpParams& params) { return static_cast<Reduction>(params.ints[0]); }

// The labels are in node.indices.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const std::size_t classes = x.cols();
  const T* px = x.data();
  const std::int64_t* labels = node.indices.data();
  detail::reduce_terms(reduction_of(node.params), x.rows(), node.value.data(),
                       [&](std::size_t r) { return -px[r * classes + static_cast<std::size_t>(labels[r])]; });
}

// d loss / d x[r, c] = -g_r at c = labels[r], 0 elsewhere.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  if (!dx) return;
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const std::size_t rows = x.rows(), classes = x.cols();
  T* g = dx.tensor->data();
  if (!dx.accumulate) dx.tensor->fill(T{0});
  const Reduction reduction = reduction_of(node.params);
  const T common = reduction == Reduction::none || rows == 0
                       ? T{0}
                       : (reduction == Reduction::mean ? node.output_grad()[0] / static_cast<T>(rows) : node.output_grad()[0]);
  for (std::size_t r = 0; r < rows; ++r) {
    const T gr = reduction == Reduction::none ? node.output_grad()[r] : common;
    g[r * classes + static_cast<std::size_t>(node.indices[r])] -= gr;
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& nll_loss_op() {
  static constexpr OpInfo<T> info{"NllLoss", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> nll_loss(Var<T> log_probs, std::span<const std::int32_t> labels, Reduction reduction,
                std::source_location where) {
  Graph<T>& graph = detail::graph_of("NllLoss", log_probs);
  detail::check_reduction("NllLoss", reduction);
  const Shape& shape = graph.value(log_probs.index()).shape();
  if (shape.rank() != 2)
    throw ShapeError(fmt::format("NllLoss: the log-probabilities are {}; they must be [N, C]", shape));
  if (labels.size() != shape[0])
    throw ShapeError(fmt::format("NllLoss: {} labels for log-probabilities of {}; need one label per row",
                                 labels.size(), shape));
  for (std::size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < 0 || static_cast<std::size_t>(labels[r]) >= shape[1])
      throw ValueError(fmt::format("NllLoss: label {} at row {} is outside [0,{}) for log-probabilities of {}",
                                   labels[r], r, shape[1], shape));
  }
  Node<T>& node = graph.begin(nll_loss_op<T>(), {log_probs}, detail::loss_shape(reduction, Shape{shape[0]}), where);
  node.params.ints[0] = static_cast<std::int64_t>(reduction);
  node.indices.assign(labels.begin(), labels.end());
  return graph.finish(node);
}

template Var<float> nll_loss(Var<float>, std::span<const std::int32_t>, Reduction, std::source_location);
template Var<double> nll_loss(Var<double>, std::span<const std::int32_t>, Reduction, std::source_location);
template const OpInfo<float>& nll_loss_op();
template const OpInfo<double>& nll_loss_op();

}  // namespace cgrad
