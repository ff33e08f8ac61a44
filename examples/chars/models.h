#pragma once
// The models of char_model.h, one file each.
#include <memory>

#include "char_model.h"

namespace cgrad::chars {

// A 27 × 27 table of next-character logits, indexed by the current character.
std::unique_ptr<CharModel> make_bigram(Rng& rng);
// Bengio et al. 2003: the last `context` characters embedded, concatenated, one tanh layer.
std::unique_ptr<CharModel> make_mlp(const ModelSizes& sizes, Rng& rng);
// Embedding, one Lstm (gru: Gru) layer, a Linear read-out at every step.
std::unique_ptr<CharModel> make_lstm(const ModelSizes& sizes, Rng& rng);
std::unique_ptr<CharModel> make_gru(const ModelSizes& sizes, Rng& rng);
// Token and learned position embeddings, causal pre-norm TransformerBlocks, a final
// LayerNorm and a Linear read-out.
std::unique_ptr<CharModel> make_transformer(const ModelSizes& sizes, Rng& rng);

// Every position of `inputs` as rows of one list, sequence by sequence: row of (sequence
// i, position t) in a padded [steps, batch] layout is t * batch + i, and in [batch, steps]
// is i * steps + t. The models use it to drop the padding.
std::vector<std::int64_t> real_rows(Sequences inputs, bool steps_first, std::size_t steps);
// The tokens padded with the boundary to `steps`, laid out [steps, batch] or [batch, steps].
std::vector<std::int64_t> padded_tokens(Sequences inputs, bool steps_first, std::size_t steps);
// The length of the longest sequence.
std::size_t longest(Sequences inputs);

}  // namespace cgrad::chars
