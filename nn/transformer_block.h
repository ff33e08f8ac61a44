#pragma once
// TransformerBlock<T>: a pre-norm transformer encoder block (GPT-2's layout; PyTorch's
// TransformerEncoderLayer with norm_first = true, batch_first = true, GELU):
//   x = x + drop(attn(ln1(x)))
//   x = x + drop(mlp(ln2(x))),   mlp = Linear(E, 4E) → GELU → Linear(4E, E)
// on x [N,L,E]. Parameter names (stable; checkpoints store them):
//   ln1.weight [E], ln1.bias [E],
//   attn.q_proj.weight, attn.q_proj.bias, attn.k_proj.*, attn.v_proj.*, attn.out_proj.*,
//   ln2.weight, ln2.bias,
//   mlp.0.weight [E,4E], mlp.0.bias [1,4E], mlp.2.weight [4E,E], mlp.2.bias [1,E].
// options.dropout is the probability of both the attention-weight dropout and the two
// residual-branch dropouts, in training mode only. options.causal makes the attention causal.
#include <cstddef>
#include <source_location>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/activation.h"
#include "nn/dropout.h"
#include "nn/layer_norm.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/multihead_attention.h"
#include "nn/options.h"
#include "nn/random.h"
#include "nn/sequential.h"

namespace cgrad {

struct TransformerBlockOptions {
  TransformerBlockOptions(std::size_t embed_dim, std::size_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  CGRAD_ARG(std::size_t, embed_dim);
  CGRAD_ARG(std::size_t, num_heads);
  // Width of the MLP's hidden layer; 0 means 4 · embed_dim.
  CGRAD_ARG(std::size_t, mlp_hidden) = 0;
  CGRAD_ARG(double, dropout) = 0.0;
  CGRAD_ARG(bool, causal) = false;
  // The layer norms' eps.
  CGRAD_ARG(double, eps) = 1e-5;
};

template <Real T>
class TransformerBlock : public UnaryModule<T> {
 public:
  // Throws ValueError as MultiheadAttention does (embed_dim a multiple of num_heads, dropout
  // in [0, 1]). Draws the attention's weights from `rng`, then the MLP's, then the seeds of
  // the dropout generators.
  TransformerBlock(const TransformerBlockOptions& options, Rng& rng);

  // x [N,L,E] -> [N,L,E]. ShapeError when x is not [N,L,E].
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override;

  std::size_t embed_dim() const { return attn_.embed_dim(); }
  LayerNorm<T>& ln1() { return ln1_; }
  LayerNorm<T>& ln2() { return ln2_; }
  MultiheadAttention<T>& attn() { return attn_; }
  Sequential<T>& mlp() { return mlp_; }
  Linear<T>& mlp_in() { return mlp_.template at<Linear<T>>(0); }
  Linear<T>& mlp_out() { return mlp_.template at<Linear<T>>(2); }

 private:
  LayerNorm<T> ln1_;
  MultiheadAttention<T> attn_;
  LayerNorm<T> ln2_;
  Sequential<T> mlp_;
  Dropout<T> attn_dropout_, mlp_dropout_;  // on the residual branches
};

extern template class TransformerBlock<float>;
extern template class TransformerBlock<double>;

}  // namespace cgrad
