#pragma once
// MultiheadAttention<T>: multi-head attention over batch-first sequences, as
// torch::nn::MultiheadAttention with batch_first = true:
//   q = query·Wq + bq, k = key·Wk + bk, v = value·Wv + bv     ([N,L,E], [N,S,E], [N,S,E])
//   scaled_dot_product_attention on every head at once (one op, scale 1/√(E/H)), reading
//   the H heads [N,L,H,E/H] where the projections left them (AttentionOptions::heads) and
//   writing them merged, [N,L,E], then · Wo + bo.
// Weights are [in, out] as in Linear (x·W, the transpose of PyTorch's). The projections
// are Linear children, so the parameters are named
//   q_proj.weight [E,E], q_proj.bias [1,E], k_proj.*, v_proj.*, out_proj.weight, out_proj.bias
// (PyTorch keeps q, k and v in one in_proj_weight [3E,E]; separate matrices let query, key
// and value differ without slicing a weight every step).
//
// Initialisation as PyTorch's: the q, k and v weights Xavier-uniform with the bound PyTorch
// gets from its [3E,E] block, √(6 / 4E) (gain 1/√2 on each [E,E]); out_proj.weight as a
// Linear's default; every bias zero.
//
// Dropout (options.dropout) applies to the attention weights in training mode only, drawn
// from the module's own generator (seeded from the constructor's Rng); eval() turns it off.
#include <cstddef>
#include <source_location>

#include "graph/graph.h"
#include "nn/linear.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"
#include "ops/nn/scaled_dot_product_attention.h"

namespace cgrad {

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(std::size_t embed_dim, std::size_t num_heads) : embed_dim_(embed_dim), num_heads_(num_heads) {}
  CGRAD_ARG(std::size_t, embed_dim);
  CGRAD_ARG(std::size_t, num_heads);
  // Biases on the four projections.
  CGRAD_ARG(bool, bias) = true;
  // Dropout probability on the attention weights in training (0 turns it off).
  CGRAD_ARG(double, dropout) = 0.0;
  // Whether the self-attention forward(graph, x) is causal (position i sees positions <= i).
  CGRAD_ARG(bool, causal) = false;
};

template <Real T>
class MultiheadAttention : public UnaryModule<T> {
 public:
  // Throws ValueError unless embed_dim > 0 is a multiple of num_heads > 0 and dropout is in
  // [0, 1]. Draws the weights from `rng`, then the seed of the dropout generator.
  MultiheadAttention(const MultiheadAttentionOptions& options, Rng& rng);

  // Self-attention: x [N,L,E] attends to itself, causal when options.causal (or set_causal).
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override;
  // General attention: query [N,L,E], key and value [N,S,E] -> [N,L,E]. attention.causal,
  // attention.mask (it broadcasts to the scores [N,H,L,S]: [L,S], or [N,1,1,S] for key
  // padding) and attention.scale go to the attention op; attention.dropout_p must be 0 (the
  // module's own dropout applies in training), and so must attention.heads (the module
  // sets it). ShapeError on a wrong shape.
  Var<T> forward(Graph<T>& graph, Var<T> query, Var<T> key, Var<T> value, const AttentionOptions& attention = {},
                 std::source_location where = std::source_location::current());

  std::size_t embed_dim() const { return embed_dim_; }
  std::size_t num_heads() const { return num_heads_; }
  double dropout() const { return dropout_; }
  bool causal() const { return causal_; }
  void set_causal(bool on) { causal_ = on; }

  Linear<T>& q_proj() { return q_proj_; }
  Linear<T>& k_proj() { return k_proj_; }
  Linear<T>& v_proj() { return v_proj_; }
  Linear<T>& out_proj() { return out_proj_; }

 private:
  std::size_t embed_dim_, num_heads_;
  double dropout_;
  bool causal_;
  Linear<T> q_proj_, k_proj_, v_proj_, out_proj_;
  Rng dropout_rng_;
};

extern template class MultiheadAttention<float>;
extern template class MultiheadAttention<double>;

}  // namespace cgrad
