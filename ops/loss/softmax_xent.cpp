#include "ops/loss/softmax_xent.h"

#include <algorithm>
#include <cmath>

#include "ops/kernels/vector_math.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

// Keeps the softmax probabilities in node.saved for backward. The exponentials are taken
// in one flat pass over all rows so that it vectorizes even when rows are short (K = 3).
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& scores = graph.value(node.inputs[0]);
  const std::size_t rows = scores.rows(), classes = scores.cols();
  node.saved.resize(rows, classes);
  T* p = node.saved.data();
  for (std::size_t r = 0; r < rows; ++r) {  // p = s - max(s) <= 0, row by row
    const T* s = scores.data() + r * classes;
    const T row_max = *std::max_element(s, s + classes);
    for (std::size_t c = 0; c < classes; ++c) p[r * classes + c] = s[c] - row_max;
  }
  double total = 0;  // the mean of many terms is summed in double even for f32
  for (std::size_t r = 0; r < rows; ++r) {
    // -log softmax(s)[y] = log(sum) - (s[y] - max): never the log of an underflowed p.
    total -= static_cast<double>(p[r * classes + node.indices[r]]);
  }
  for (std::size_t i = 0; i < rows * classes; ++i) p[i] = detail::exp_nonpositive(p[i]);
  for (std::size_t r = 0; r < rows; ++r) {
    T* pr = p + r * classes;
    T sum{0};
    for (std::size_t c = 0; c < classes; ++c) sum += pr[c];
    const T inverse = T{1} / sum;
    for (std::size_t c = 0; c < classes; ++c) pr[c] *= inverse;
    total += static_cast<double>(std::log(sum));
  }
  node.value[0] = static_cast<T>(total / static_cast<double>(rows));
}

// d loss / d scores = (p - onehot(y)) / m, times the upstream gradient.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> ds = graph.grad_out(node.inputs[0]);
  if (!ds) return;
  const Tensor<T>& p = node.saved;
  const std::size_t rows = p.rows(), classes = p.cols();
  const T factor = node.output_grad()[0] / static_cast<T>(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const T* pr = p.data() + r * classes;
    T* dr = ds.tensor->data() + r * classes;
    if (ds.accumulate) {
      for (std::size_t c = 0; c < classes; ++c) dr[c] += factor * pr[c];
    } else {
      for (std::size_t c = 0; c < classes; ++c) dr[c] = factor * pr[c];
    }
    dr[node.indices[r]] -= factor;
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& softmax_xent_op() {
  static constexpr OpInfo<T> info{"SoftmaxXent", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> softmax_xent(Var<T> scores, std::span<const std::int32_t> labels, std::source_location where) {
  Graph<T>& graph = detail::graph_of("SoftmaxXent", scores);
  const Shape& shape = graph.value(scores.index()).shape();
  if (shape.rank() != 2)
    throw ShapeError(fmt::format("SoftmaxXent: the scores are {}; they must be [rows, classes]", shape));
  if (shape.rows() == 0 || shape.cols() == 0)
    throw ShapeError(fmt::format("SoftmaxXent: the scores are {}; need at least one row and one class", shape));
  if (labels.size() != shape.rows())
    throw ShapeError(fmt::format("SoftmaxXent: {} labels for scores of {}; need one label per row",
                                 labels.size(), shape));
  for (std::size_t r = 0; r < labels.size(); ++r) {
    if (labels[r] < 0 || static_cast<std::size_t>(labels[r]) >= shape.cols())
      throw ValueError(fmt::format("SoftmaxXent: label {} at row {} is outside [0,{})", labels[r], r,
                                   shape.cols()));
  }
  Node<T>& node = graph.begin(softmax_xent_op<T>(), {scores}, Shape{}, where);
  node.indices.assign(labels.begin(), labels.end());
  return graph.finish(node);
}

template Var<float> softmax_xent(Var<float>, std::span<const std::int32_t>, std::source_location);
template Var<double> softmax_xent(Var<double>, std::span<const std::int32_t>, std::source_location);
template const OpInfo<float>& softmax_xent_op();
template const OpInfo<double>& softmax_xent_op();

}  // namespace cgrad
