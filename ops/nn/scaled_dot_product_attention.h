#pragma once
#include <cstdint>
#include <optional>
#include <source_location>
#include <span>

#include "graph/graph.h"
#include "ops/index/dropout.h"

namespace cgrad {

// A boolean attention mask: one byte per element of `shape`, row-major, non-zero where the
// key takes part (PyTorch's bool attn_mask: true = attend). `shape` broadcasts to the
// scores [B...,L,S] by NumPy's rules: [L,S] for one mask shared by the batch, [B,1,1,S] for
// key padding per sequence. It is a constant: it has no gradient.
struct AttentionMask {
  std::span<const std::uint8_t> values;
  Shape shape;
};

struct AttentionOptions {
  // Query i sees keys j <= i (top-left aligned, as PyTorch's is_causal, also when L != S),
  // without building a mask tensor.
  bool causal = false;
  std::optional<AttentionMask> mask{};
  // Dropout on the attention weights (inverted: kept weights are scaled by 1 / (1 - p)).
  // Needs the overload with a generator; 0 turns it off.
  double dropout_p = 0.0;
  // Multiplies q·kᵀ before the softmax; 1/sqrt(E) when not given (1 when E == 0).
  std::optional<double> scale{};
  // H > 0: q [B...,L,H·E], k [B...,S,H·E] and v [B...,S,H·Ev] hold H heads side by side
  // along the last axis (a projection's output), and the output [B...,L,H·Ev] too. Each
  // head attends on its own, exactly as if q, k and v had been split to [B...,H,L,E]
  // (reshape, permute) and the result merged back, without those copies: the scores,
  // the mask's broadcast and the dropout draws are those of the split form [B...,H,L,S],
  // and E is one head's width (for the default scale). 0: no head axis.
  std::size_t heads = 0;
};

// softmax(q·kᵀ·scale, masked) · v as one op, like PyTorch 2.x's
// torch::nn::functional::scaled_dot_product_attention:
//   q [B...,L,E], k [B...,S,E], v [B...,S,Ev] -> [B...,L,Ev]
// with the same batch axes B... (any number, possibly none) on all three; the softmax runs
// over the S keys of each query. A query whose keys are all masked out (by the mask, or
// S == 0) gets weights 0 and so an output row of 0, where PyTorch before 2.5 gives NaN:
// a padded query then poisons neither the loss nor any gradient (its gradient is 0, the
// gradient of the constant it is), which is also what PyTorch 2.5's math path chose.
//
// The node keeps only the attention weights P [B...,L,S] (and, with dropout, the dropped
// weights): the backward recomputes nothing from q and k. The products run through the
// packed GEMM, one task per batch matrix: the result does not depend on the thread count.
template <Real T>
Var<T> scaled_dot_product_attention(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options = {},
                                    std::source_location where = std::source_location::current());

// The same with dropout on the weights when options.dropout_p > 0 (as PyTorch, which
// applies dropout_p whenever it is given: pass 0 in evaluation). One draw per weight,
// [B...,L,S] in row-major order, when the op is recorded, from `rng` of either kind
// dropout() takes (ops/index/dropout.h); a weight is kept when its draw, as a double in
// [0, 1), is >= p. So the result depends only on the generator's state.
template <Real T, class Rng>
Var<T> scaled_dot_product_attention(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options, Rng& rng,
                                    std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& scaled_dot_product_attention_op();

namespace detail {

// Checks the shapes and options and begins the node; with dropout, the caller fills
// dropout_mask(node) with 0 or 1 / (1 - p) per weight, then calls attention_finish.
template <Real T>
Node<T>& attention_begin(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options, std::source_location where);
template <Real T>
std::span<T> attention_dropout_mask(Node<T>& node);
template <Real T>
Var<T> attention_finish(Var<T> q, Node<T>& node);

}  // namespace detail

template <Real T, class Rng>
Var<T> scaled_dot_product_attention(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options, Rng& rng,
                                    std::source_location where) {
  Node<T>& node = detail::attention_begin(q, k, v, options, where);
  detail::fill_dropout_mask(detail::attention_dropout_mask(node), options.dropout_p, rng);
  return detail::attention_finish(q, node);
}

}  // namespace cgrad
