#include "nn/multihead_attention.h"

#include <cmath>

#include <fmt/format.h>

#include "graph/error.h"
#include "nn/init.h"

namespace cgrad {
namespace {

std::size_t checked_embed_dim(const MultiheadAttentionOptions& options) {
  if (options.embed_dim() == 0 || options.num_heads() == 0)
    throw ValueError(fmt::format("MultiheadAttention: embed_dim = {} and num_heads = {} must both be > 0",
                                 options.embed_dim(), options.num_heads()));
  if (options.embed_dim() % options.num_heads() != 0)
    throw ValueError(fmt::format("MultiheadAttention: embed_dim = {} is not divisible by num_heads = {}",
                                 options.embed_dim(), options.num_heads()));
  if (!(options.dropout() >= 0 && options.dropout() <= 1))
    throw ValueError(fmt::format("MultiheadAttention: dropout = {} is outside [0, 1]", options.dropout()));
  return options.embed_dim();
}

// A projection as PyTorch initialises it: the weight from `weight_init` (drawn after the
// Linear's own default draws, which it overwrites), the bias zero.
template <Real T>
void reinitialise(Linear<T>& projection, const Init<T>& weight_init) {
  weight_init(projection.weight().mutable_value());
  if (projection.has_bias()) projection.bias().mutable_value().fill(T{0});
}

}  // namespace

template <Real T>
MultiheadAttention<T>::MultiheadAttention(const MultiheadAttentionOptions& options, Rng& rng)
    : embed_dim_(checked_embed_dim(options)),
      num_heads_(options.num_heads()),
      dropout_(options.dropout()),
      causal_(options.causal()),
      q_proj_(LinearOptions(embed_dim_, embed_dim_).bias(options.bias()), rng),
      k_proj_(LinearOptions(embed_dim_, embed_dim_).bias(options.bias()), rng),
      v_proj_(LinearOptions(embed_dim_, embed_dim_).bias(options.bias()), rng),
      out_proj_(LinearOptions(embed_dim_, embed_dim_).bias(options.bias()), rng),
      dropout_rng_(0) {
  // PyTorch draws q, k and v as one [3E,E] Xavier block: bound √(6 / 4E), which is the
  // [E,E] bound √(6 / 2E) times 1/√2.
  const Init<T> in_proj_init = xavier_uniform<T>(rng, 1 / std::sqrt(2.0));
  reinitialise(q_proj_, in_proj_init);
  reinitialise(k_proj_, in_proj_init);
  reinitialise(v_proj_, in_proj_init);
  // out_proj keeps Linear's default weight; PyTorch zeroes its bias.
  if (out_proj_.has_bias()) out_proj_.bias().mutable_value().fill(T{0});
  dropout_rng_ = Rng(rng.next());
  this->register_module("q_proj", q_proj_);
  this->register_module("k_proj", k_proj_);
  this->register_module("v_proj", v_proj_);
  this->register_module("out_proj", out_proj_);
}

template <Real T>
Var<T> MultiheadAttention<T>::forward(Graph<T>& graph, Var<T> x, std::source_location where) {
  const Shape& shape = x.shape();
  if (shape.rank() != 3 || shape[2] != embed_dim_)
    throw ShapeError(fmt::format("MultiheadAttention: expected input [N,L,{}], got {}", embed_dim_, shape));
  return forward(graph, x, x, x, AttentionOptions{.causal = causal_}, where);
}

template <Real T>
Var<T> MultiheadAttention<T>::forward(Graph<T>& graph, Var<T> query, Var<T> key, Var<T> value,
                                      const AttentionOptions& attention, std::source_location where) {
  const Shape &q = query.shape(), &k = key.shape(), &v = value.shape();
  auto expect = [&](const Shape& s, const char* name) {
    if (s.rank() != 3 || s[2] != embed_dim_)
      throw ShapeError(fmt::format("MultiheadAttention: expected {} [N,L,{}], got {}", name, embed_dim_, s));
  };
  expect(q, "query");
  expect(k, "key");
  expect(v, "value");
  if (k[0] != q[0] || v[0] != q[0] || v[1] != k[1])
    throw ShapeError(fmt::format(
        "MultiheadAttention: query [N,L,E], key and value [N,S,E] must agree on N and S; got query {}, key {}, value {}",
        q, k, v));
  if (attention.dropout_p != 0)
    throw ValueError(fmt::format(
        "MultiheadAttention: attention.dropout_p = {} must be 0; the module applies its own dropout ({}) in training",
        attention.dropout_p, dropout_));

  if (attention.heads != 0)
    throw ValueError(fmt::format("MultiheadAttention: attention.heads = {} must be 0; the module splits its {} heads itself",
                                 attention.heads, num_heads_));

  // [N,L,E] each, the H heads side by side: the op reads them in place (no split copies).
  Var<T> projected_q = q_proj_.forward(graph, query, where);
  Var<T> projected_k = k_proj_.forward(graph, key, where);
  Var<T> projected_v = v_proj_.forward(graph, value, where);
  AttentionOptions per_head = attention;
  per_head.heads = num_heads_;
  Var<T> merged;  // [N,L,E]
  if (this->is_training() && dropout_ > 0) {
    per_head.dropout_p = dropout_;
    merged = scaled_dot_product_attention(projected_q, projected_k, projected_v, per_head, dropout_rng_, where);
  } else {
    merged = scaled_dot_product_attention(projected_q, projected_k, projected_v, per_head, where);
  }
  return out_proj_.forward(graph, merged, where);
}

template class MultiheadAttention<float>;
template class MultiheadAttention<double>;

}  // namespace cgrad
