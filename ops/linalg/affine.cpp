#include "ops/linalg/affine.h"

#include "ops/elementwise/column_sums.h"
#include "ops/linalg/affine_support.h"

namespace cgrad {
namespace {

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  detail::affine_forward(graph, node, /*relu=*/false);
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const T* dy = node.output_grad().data();
  detail::affine_products_backward(graph, node, dy);
  if (GradOut<T> db = graph.grad_out(node.inputs[2])) {  // dbias = column sums of dy
    const auto [rows, in, out] = detail::affine_sizes(graph, node);
    detail::write_column_sums(db, dy, rows, out, out);
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& affine_op() {
  static constexpr OpInfo<T> info{"Affine", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> affine(Var<T> x, Var<T> weight, Var<T> bias, std::source_location where) {
  return detail::record_affine(affine_op<T>(), x, weight, bias, where);
}

template Var<float> affine(Var<float>, Var<float>, Var<float>, std::source_location);
template Var<double> affine(Var<double>, Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& affine_op();
template const OpInfo<double>& affine_op();

}  // namespace cgrad
