#include "models.h"

#include <vector>

#include <fmt/format.h>

#include "vocab.h"

namespace cgrad::chars {
namespace {

class Transformer : public CharModel {
 public:
  Transformer(const ModelSizes& sizes, Rng& rng)
      : width_(sizes.width),
        max_input_(sizes.max_input),
        tokens_(EmbeddingOptions(kVocabSize, sizes.width), rng),
        positions_(EmbeddingOptions(sizes.max_input, sizes.width), rng),
        final_norm_(LayerNormOptions(Shape{sizes.width})),
        output_(LinearOptions(sizes.width, kVocabSize), rng) {
    this->register_module("tokens", tokens_);
    this->register_module("positions", positions_);
    for (std::size_t b = 0; b < sizes.blocks; ++b) {
      blocks_.push_back(std::make_unique<TransformerBlock<float>>(
          TransformerBlockOptions(sizes.width, sizes.heads).causal(true), rng));
      this->register_module(fmt::format("block{}", b), *blocks_.back());
    }
    this->register_module("final_norm", final_norm_);
    this->register_module("output", output_);
  }

  Var<float> logits(Graph<float>& graph, Sequences inputs) override {
    // Padded at the end: causal attention keeps the padding out of every real position.
    const std::size_t steps = longest(inputs), batch = inputs.size();
    if (steps > max_input_)
      throw ValueError(fmt::format("transformer reads at most {} tokens, got {}", max_input_, steps));
    padded_tokens(inputs, /*steps_first=*/false, steps, token_ids_);
    position_ids_.resize(steps);
    for (std::size_t t = 0; t < steps; ++t) position_ids_[t] = static_cast<std::int64_t>(t);
    Var<float> x = add(tokens_.forward(graph, token_ids_, Shape{batch, steps}), positions_.forward(graph, position_ids_));
    for (auto& block : blocks_) x = block->forward(graph, x);
    const Var<float> flat = reshape(final_norm_.forward(graph, x), Shape{batch * steps, width_});
    real_rows(inputs, /*steps_first=*/false, steps, rows_);
    return output_.forward(graph, index_select(flat, 0, rows_));
  }

  std::size_t max_input() const override { return max_input_; }

 private:
  std::size_t width_, max_input_;
  Embedding<float> tokens_, positions_;
  std::vector<std::unique_ptr<TransformerBlock<float>>> blocks_;
  LayerNorm<float> final_norm_;
  Linear<float> output_;
  std::vector<std::int64_t> token_ids_, position_ids_, rows_;  // per forward, kept for their capacity
};

}  // namespace

std::unique_ptr<CharModel> make_transformer(const ModelSizes& sizes, Rng& rng) {
  return std::make_unique<Transformer>(sizes, rng);
}

}  // namespace cgrad::chars
