#pragma once
// Embedding<T>: a table of num_embeddings vectors of size embedding_dim, registered as
// "weight" [num_embeddings, embedding_dim] and initialised from N(0, 1) as PyTorch's.
// forward picks rows by integer index: indices laid out as `index_shape` give
// index_shape + [embedding_dim] (the embedding op checks the indices).
#include <cstddef>
#include <cstdint>
#include <source_location>
#include <span>

#include <fmt/format.h>

#include "graph/error.h"
#include "graph/parameter.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"
#include "ops/index/embedding.h"

namespace cgrad {

struct EmbeddingOptions {
  EmbeddingOptions(std::size_t num_embeddings, std::size_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  CGRAD_ARG(std::size_t, num_embeddings);
  CGRAD_ARG(std::size_t, embedding_dim);
};

template <Real T>
class Embedding : public Module<T> {
 public:
  // Throws ValueError when a size is 0.
  Embedding(const EmbeddingOptions& options, Rng& rng) : weight_("weight", initial(options, rng)) {
    this->register_parameter("weight", weight_);
  }

  Var<T> forward(Graph<T>& graph, std::span<const std::int64_t> indices, const Shape& index_shape,
                 std::source_location where = std::source_location::current()) {
    return embedding(graph.param(weight_, where), indices, index_shape, where);
  }
  // 1-D indices: [n] -> [n, embedding_dim].
  Var<T> forward(Graph<T>& graph, std::span<const std::int64_t> indices,
                 std::source_location where = std::source_location::current()) {
    return embedding(graph.param(weight_, where), indices, where);
  }

  std::size_t num_embeddings() const { return weight_.shape()[0]; }
  std::size_t embedding_dim() const { return weight_.shape()[1]; }
  Parameter<T>& weight() { return weight_; }

 private:
  static Tensor<T> initial(const EmbeddingOptions& options, Rng& rng) {
    if (options.num_embeddings() == 0 || options.embedding_dim() == 0)
      throw ValueError(fmt::format("Embedding: cannot make a [{},{}] table; sizes must be > 0",
                                   options.num_embeddings(), options.embedding_dim()));
    Tensor<T> table(Shape{options.num_embeddings(), options.embedding_dim()});
    for (T& v : table.span()) v = static_cast<T>(rng.normal());
    return table;
  }

  Parameter<T> weight_;
};

}  // namespace cgrad
