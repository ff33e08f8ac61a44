#include "nn/transformer_block.h"

#include <memory>

#include <fmt/format.h>

#include "graph/error.h"
#include "ops/elementwise/add.h"

namespace cgrad {
namespace {

// The attention's options, checked before any member is built (so a bad embed_dim fails
// with the block's message about the heads, not a layer norm's).
MultiheadAttentionOptions attention_options(const TransformerBlockOptions& options) {
  if (options.embed_dim() == 0 || options.num_heads() == 0 || options.embed_dim() % options.num_heads() != 0)
    throw ValueError(fmt::format("TransformerBlock: embed_dim = {} must be a positive multiple of num_heads = {}",
                                 options.embed_dim(), options.num_heads()));
  return MultiheadAttentionOptions(options.embed_dim(), options.num_heads())
      .dropout(options.dropout())
      .causal(options.causal());
}

std::size_t hidden_width(const TransformerBlockOptions& options) {
  return options.mlp_hidden() == 0 ? 4 * options.embed_dim() : options.mlp_hidden();
}

}  // namespace

template <Real T>
TransformerBlock<T>::TransformerBlock(const TransformerBlockOptions& options, Rng& rng)
    : ln1_(LayerNormOptions(Shape{options.embed_dim()}).eps(options.eps())),
      attn_(attention_options(options), rng),
      ln2_(LayerNormOptions(Shape{options.embed_dim()}).eps(options.eps())),
      mlp_(std::make_unique<Linear<T>>(LinearOptions(options.embed_dim(), hidden_width(options)), rng),
           std::make_unique<GELU<T>>(),
           std::make_unique<Linear<T>>(LinearOptions(hidden_width(options), options.embed_dim()), rng)),
      attn_dropout_(options.dropout(), rng),
      mlp_dropout_(options.dropout(), rng) {
  this->register_module("ln1", ln1_);
  this->register_module("attn", attn_);
  this->register_module("ln2", ln2_);
  this->register_module("mlp", mlp_);
  this->register_module("attn_dropout", attn_dropout_);
  this->register_module("mlp_dropout", mlp_dropout_);
}

template <Real T>
Var<T> TransformerBlock<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  const Shape& shape = x.shape();
  if (shape.rank() != 3 || shape[2] != embed_dim())
    throw ShapeError(fmt::format("TransformerBlock: expected input [N,L,{}], got {}", embed_dim(), shape));
  x = add(x, attn_dropout_.forward(graph, attn_.forward(graph, ln1_.forward(graph, x, where), where), where), where);
  return add(x, mlp_dropout_.forward(graph, mlp_.forward(graph, ln2_.forward(graph, x, where), where), where), where);
}

template class TransformerBlock<float>;
template class TransformerBlock<double>;

}  // namespace cgrad
