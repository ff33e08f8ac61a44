#pragma once
// The models of char_model.h, one file each.
#include <cstdint>
#include <memory>
#include <vector>

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

// Both fill a vector the caller keeps, so a training step allocates nothing once it has
// seen a batch as large.
// Every position of `inputs` as rows of one list, sequence by sequence: row of (sequence
// i, position t) in a padded [steps, batch] layout is t * batch + i, and in [batch, steps]
// is i * steps + t. The models use it to drop the padding.
void real_rows(Sequences inputs, bool steps_first, std::size_t steps, std::vector<std::int64_t>& rows);
// The tokens padded with the boundary to `steps`, laid out [steps, batch] or [batch, steps].
void padded_tokens(Sequences inputs, bool steps_first, std::size_t steps, std::vector<std::int64_t>& tokens);
// The length of the longest sequence.
std::size_t longest(Sequences inputs);

}  // namespace cgrad::chars
