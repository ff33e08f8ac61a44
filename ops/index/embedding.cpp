#include "ops/index/embedding.h"

#include "ops/index/index_support.h"

namespace cgrad {
namespace {

// The weight is [num, dim]: rows gathered as IndexSelect along axis 0 (one outer block).
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& w = graph.value(node.inputs[0]);
  detail::gather_slices(w.data(), node.value.data(), 1, w.dim(0), w.dim(1), node.indices);
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  GradOut<T> dw = graph.grad_out(node.inputs[0]);
  if (!dw) return;
  const Tensor<T>& w = graph.value(node.inputs[0]);
  detail::scatter_add_slices(dw, node.output_grad().data(), 1, w.dim(0), w.dim(1), node.indices);
}

}  // namespace

template <Real T>
const OpInfo<T>& embedding_op() {
  static constexpr OpInfo<T> info{"Embedding", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> embedding(Var<T> weight, std::span<const std::int64_t> indices, const Shape& index_shape,
                 std::source_location where) {
  Graph<T>& graph = detail::graph_of("Embedding", weight);
  const Shape& shape = graph.value(weight.index()).shape();
  if (shape.rank() != 2)
    throw ShapeError(fmt::format("Embedding: the weight is {}; it must be [num_embeddings, embedding_dim]", shape));
  if (indices.size() != index_shape.size())
    throw ShapeError(fmt::format("Embedding: {} indices cannot fill the index shape {} ({} elements)",
                                 indices.size(), index_shape, index_shape.size()));
  if (index_shape.rank() >= kMaxRank)
    throw ShapeError(fmt::format("Embedding: indices of shape {} would give an output of rank {}; at most {} is supported",
                                 index_shape, index_shape.rank() + 1, kMaxRank));
  if (const std::size_t bad = detail::first_bad_index(indices, shape[0]); bad < indices.size())
    throw ValueError(fmt::format("Embedding: index {} (position {}) is out of range for a weight of {} rows ({})",
                                 indices[bad], bad, shape[0], shape));
  Shape out = index_shape;
  out.push_back(shape[1]);
  Node<T>& node = graph.begin(embedding_op<T>(), {weight}, out, where);
  node.indices.assign(indices.begin(), indices.end());
  return graph.finish(node);
}

template <Real T>
Var<T> embedding(Var<T> weight, std::span<const std::int64_t> indices, std::source_location where) {
  return embedding(weight, indices, Shape{indices.size()}, where);
}

template Var<float> embedding(Var<float>, std::span<const std::int64_t>, const Shape&, std::source_location);
template Var<double> embedding(Var<double>, std::span<const std::int64_t>, const Shape&, std::source_location);
template Var<float> embedding(Var<float>, std::span<const std::int64_t>, std::source_location);
template Var<double> embedding(Var<double>, std::span<const std::int64_t>, std::source_location);
template const OpInfo<float>& embedding_op();
template const OpInfo<double>& embedding_op();

}  // namespace cgrad
