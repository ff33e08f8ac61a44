#include "ops/elementwise/add_bias.h"

#include "ops/elementwise/column_sums.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& x = graph.value(node.inputs[0]);
  const T* bias = graph.value(node.inputs[1]).data();
  const std::size_t cols = x.cols();
  for (std::size_t r = 0; r < x.rows(); ++r) {
    const T* in = x.data() + r * cols;
    T* out = node.value.data() + r * cols;
    for (std::size_t c = 0; c < cols; ++c) out[c] = in[c] + bias[c];
  }
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& dy = node.output_grad();
  if (GradOut<T> dx = graph.grad_out(node.inputs[0])) {
    detail::write_grad(dx, [&](std::size_t i) { return dy[i]; });
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[1])) {
    detail::write_column_sums(db, dy.data(), dy.rows(), dy.cols(), dy.cols());
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& add_bias_op() {
  static constexpr OpInfo<T> info{"AddBias", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> add_bias(Var<T> x, Var<T> bias, std::source_location where) {
  Graph<T>& graph = detail::graph_of("AddBias", x, bias);
  const Shape& sx = graph.value(x.index()).shape();
  const Shape& sb = graph.value(bias.index()).shape();
  if (sx.rank() == 0 || sb.rows() != 1 || sb.cols() != sx.cols())
    throw ShapeError(fmt::format("AddBias: cannot add a bias of {} to {}; the bias must be [1,{}]",
                                 sb, sx, sx.cols()));
  return graph.finish(graph.begin(add_bias_op<T>(), {x, bias}, sx, where));
}

template Var<float> add_bias(Var<float>, Var<float>, std::source_location);
template Var<double> add_bias(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& add_bias_op();
template const OpInfo<double>& add_bias_op();

}  // namespace cgrad
